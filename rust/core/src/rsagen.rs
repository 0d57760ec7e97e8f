//! RSA key generation for 2048, 3072 and 4096-bit moduli: probable primes found by an
//! incremental search past a random start (a sieve of the odd primes below 2^14.1, then
//! Miller-Rabin with random bases), the key assembled as FIPS 186-5 (appendix A.1.1 and B.3.3)
//! asks: e = 65537, p and q of nlen/2 bits with their two top bits set (so p, q >= sqrt(2) *
//! 2^(nlen/2 - 1)), gcd(p - 1, e) = 1, |p - q| > 2^(nlen/2 - 100), d = e^-1 mod lcm(p - 1,
//! q - 1) > 2^(nlen/2). All arithmetic and randomness is OpenSSL's (`BN_*`, its DRBG).
//!
//! Why not `RSA_generate_key_ex`: OpenSSL (3.0 on) runs 64 Miller-Rabin rounds on every prime
//! it finds (a 2^-128 bound even for an adversary's numbers), where a prime found among random
//! candidates needs far fewer for the same error (FIPS 186-4 table C.2: 5 rounds for 1024-bit
//! primes at 2^-100, the Damgard-Landrock-Pomerance bound). This module does [`ROUNDS`] rounds,
//! and an RSA-2048 key costs about half of OpenSSL's (benches/README.md, "Labs at scale": the
//! host key every first boot makes). Other sizes stay with OpenSSL's generator.

use std::cmp::Ordering;
use std::sync::OnceLock;

use openssl::bn::{BigNum, BigNumContext, BigNumRef, MsbOption};
use openssl::error::ErrorStack;
use openssl::pkey::Private;
use openssl::rsa::Rsa;

/// Miller-Rabin rounds (random bases) per prime of 1024 bits or more.
pub(crate) const ROUNDS: u32 = 8;

/// The sieve's bound: the odd primes below it (2047 of them, as OpenSSL's sieve for 1024-bit
/// candidates).
const SIEVE_BOUND: u32 = 17_864;

/// How far one random start is searched (even steps) before a new start is drawn.
const MAX_DELTA: u32 = 1 << 20;

/// Whether this module generates keys of `bits`.
pub(crate) fn handles(bits: u32) -> bool {
    matches!(bits, 2048 | 3072 | 4096)
}

fn small_primes() -> &'static [u32] {
    static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
    PRIMES.get_or_init(|| {
        let n = SIEVE_BOUND as usize;
        let mut composite = vec![false; n];
        let mut primes = Vec::new();
        for i in 2..n {
            if !composite[i] {
                if i > 2 {
                    primes.push(i as u32);
                }
                let mut j = i * i;
                while j < n {
                    composite[j] = true;
                    j += i;
                }
            }
        }
        primes
    })
}

/// Miller-Rabin with `rounds` random bases in [2, w - 2] (FIPS 186-5 B.3.1); `w` odd, > 3.
pub(crate) fn miller_rabin(
    w: &BigNumRef,
    rounds: u32,
    ctx: &mut BigNumContext,
) -> Result<bool, ErrorStack> {
    let mut w1 = w.to_owned()?;
    w1.sub_word(1)?;
    let mut a = 0;
    while !w1.is_bit_set(a) {
        a += 1;
    }
    let mut m = BigNum::new()?;
    m.rshift(&w1, a)?;
    let mut w3 = w.to_owned()?;
    w3.sub_word(3)?;
    let one = BigNum::from_u32(1)?;
    let mut b = BigNum::new()?;
    let mut z = BigNum::new()?;
    let mut t = BigNum::new()?;
    'round: for _ in 0..rounds {
        w3.rand_range(&mut b)?;
        b.add_word(2)?;
        z.mod_exp(&b, &m, w, ctx)?;
        if z.ucmp(&one) == Ordering::Equal || z.ucmp(&w1) == Ordering::Equal {
            continue;
        }
        for _ in 1..a {
            t.mod_sqr(&z, w, ctx)?;
            std::mem::swap(&mut z, &mut t);
            if z.ucmp(&w1) == Ordering::Equal {
                continue 'round;
            }
            if z.ucmp(&one) == Ordering::Equal {
                return Ok(false);
            }
        }
        return Ok(false);
    }
    Ok(true)
}

/// A probable prime of exactly `bits` bits, its two top bits set, with gcd(p - 1, e) = 1.
fn prime(bits: i32, e: u32, ctx: &mut BigNumContext) -> Result<BigNum, ErrorStack> {
    let primes = small_primes();
    let mut residues = vec![0u32; primes.len()];
    loop {
        let mut start = BigNum::new()?;
        start.rand(bits, MsbOption::TWO_ONES, true)?;
        for (r, &sp) in residues.iter_mut().zip(primes) {
            *r = start.mod_word(sp)? as u32;
        }
        let mut delta = 0u32;
        'search: while delta < MAX_DELTA {
            for (&r, &sp) in residues.iter().zip(primes) {
                if (r + delta) % sp == 0 {
                    delta += 2;
                    continue 'search;
                }
            }
            let mut candidate = start.to_owned()?;
            candidate.add_word(delta)?;
            if candidate.num_bits() != bits {
                break; // past 2^bits: a new start
            }
            delta += 2;
            if candidate.mod_word(e)? == 1 {
                continue; // e divides candidate - 1
            }
            if miller_rabin(&candidate, ROUNDS, ctx)? {
                return Ok(candidate);
            }
        }
    }
}

/// An RSA key of `bits` (one of those [`handles`] says yes to) with public exponent `e` (an
/// odd prime, 65537).
pub(crate) fn generate(bits: u32, e: u32) -> Result<Rsa<Private>, ErrorStack> {
    debug_assert!(handles(bits));
    let half = (bits / 2) as i32;
    let mut ctx = BigNumContext::new()?;
    loop {
        let mut p = prime(half, e, &mut ctx)?;
        let mut q = prime(half, e, &mut ctx)?;
        let mut diff = BigNum::new()?;
        diff.checked_sub(&p, &q)?;
        if diff.num_bits() <= half - 99 {
            continue; // |p - q| <= 2^(nlen/2 - 100) (not reached in practice)
        }
        if p.ucmp(&q) == Ordering::Less {
            std::mem::swap(&mut p, &mut q);
        }
        let mut n = BigNum::new()?;
        n.checked_mul(&p, &q, &mut ctx)?;
        let mut p1 = p.to_owned()?;
        p1.sub_word(1)?;
        let mut q1 = q.to_owned()?;
        q1.sub_word(1)?;
        let mut g = BigNum::new()?;
        g.gcd(&p1, &q1, &mut ctx)?;
        let mut phi = BigNum::new()?;
        phi.checked_mul(&p1, &q1, &mut ctx)?;
        let mut lcm = BigNum::new()?;
        lcm.checked_div(&phi, &g, &mut ctx)?;
        let e_bn = BigNum::from_u32(e)?;
        let mut d = BigNum::new()?;
        d.mod_inverse(&e_bn, &lcm, &mut ctx)?;
        if d.num_bits() <= half {
            continue; // d <= 2^(nlen/2) (not reached in practice)
        }
        let mut dp = BigNum::new()?;
        dp.nnmod(&d, &p1, &mut ctx)?;
        let mut dq = BigNum::new()?;
        dq.nnmod(&d, &q1, &mut ctx)?;
        let mut qinv = BigNum::new()?;
        qinv.mod_inverse(&q, &p, &mut ctx)?;
        return Rsa::from_private_components(n, e_bn, d, p, q, dp, dq, qinv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sieve_has_the_odd_primes_below_its_bound() {
        let primes = small_primes();
        assert_eq!(primes[..6], [3, 5, 7, 11, 13, 17]);
        assert_eq!(primes.len(), 2047);
        assert!(*primes.last().unwrap() < SIEVE_BOUND);
    }

    #[test]
    fn miller_rabin_tells_primes_from_composites() {
        let mut ctx = BigNumContext::new().unwrap();
        // 2^127 - 1 and 2^521 - 1 (Mersenne primes); a Carmichael number (561); the square of
        // a large prime; 2^521 + 1 (divisible by 3).
        let m127 = BigNum::from_dec_str("170141183460469231731687303715884105727").unwrap();
        let mut m521 = BigNum::new().unwrap();
        m521.set_bit(521).unwrap();
        m521.sub_word(1).unwrap();
        assert!(miller_rabin(&m127, 20, &mut ctx).unwrap());
        assert!(miller_rabin(&m521, 20, &mut ctx).unwrap());
        let carmichael = BigNum::from_u32(561).unwrap();
        assert!(!miller_rabin(&carmichael, 20, &mut ctx).unwrap());
        let mut product = BigNum::new().unwrap();
        product.checked_mul(&m127, &m127, &mut ctx).unwrap();
        assert!(!miller_rabin(&product, 20, &mut ctx).unwrap());
        let mut almost = m521.to_owned().unwrap();
        almost.add_word(2).unwrap(); // 2^521 + 1, divisible by 3
        assert!(!miller_rabin(&almost, 20, &mut ctx).unwrap());
    }

    #[test]
    fn generated_keys_meet_fips_186_5() {
        let mut ctx = BigNumContext::new().unwrap();
        for bits in [2048u32, 3072] {
            let rsa = generate(bits, 65537).unwrap();
            assert!(rsa.check_key().unwrap()); // OpenSSL's own check: p, q prime, d e = 1...
            let half = (bits / 2) as i32;
            let (p, q) = (rsa.p().unwrap(), rsa.q().unwrap());
            assert_eq!(rsa.n().num_bits(), bits as i32);
            assert_eq!((p.num_bits(), q.num_bits()), (half, half));
            assert!(p.is_bit_set(half - 2) && q.is_bit_set(half - 2));
            assert_eq!(rsa.e().to_dec_str().unwrap().to_string(), "65537");
            assert!(rsa.d().num_bits() > half);
            let mut diff = BigNum::new().unwrap();
            diff.checked_sub(p, q).unwrap();
            assert!(diff.num_bits() > half - 99);
            // p and q pass OpenSSL's 64-round test too.
            assert!(p.is_prime(64, &mut ctx).unwrap() && q.is_prime(64, &mut ctx).unwrap());
        }
    }
}
