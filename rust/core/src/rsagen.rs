//! RSA key generation for 2048, 3072 and 4096-bit moduli: probable primes found by an
//! incremental search past a random start (a sieve of the odd primes below 2^14.1, then
//! Miller-Rabin with random bases, FIPS 186-5 B.3.1), the key assembled to the criteria of
//! FIPS 186-5 appendix A.1.1 with the checks of A.1.3 (random probable primes): e = 65537, p
//! and q of nlen/2 bits with their two top bits set (so p, q >= 1.5 * 2^(nlen/2 - 1) >
//! sqrt(2) * 2^(nlen/2 - 1)), gcd(p - 1, e) = gcd(q - 1, e) = 1, |p - q| > 2^(nlen/2 - 100),
//! d = e^-1 mod lcm(p - 1, q - 1) > 2^(nlen/2). All arithmetic and randomness is OpenSSL's
//! (`BN_*`, its DRBG). (FIPS 186-4 numbered these B.3.1, criteria, B.3.3, random probable
//! primes, and C.3.1, Miller-Rabin.)
//!
//! Where this differs from A.1.3: A.1.3 draws every candidate afresh from the RBG (steps 4.2,
//! 5.2); here one random start is drawn per prime and its odd successors are tried, as
//! OpenSSL's `BN_generate_prime_ex` does. The primes found satisfy every A.1.1 condition, but
//! their distribution is that of incremental search (a prime after a long gap is likelier),
//! not A.1.3's.
//!
//! Why not `RSA_generate_key_ex`: OpenSSL (3.0 on) runs 64 Miller-Rabin rounds on every prime
//! it finds (a 4^-64 = 2^-128 bound even for an adversary's numbers), where a prime found
//! among random candidates needs far fewer for the same error. FIPS 186-5 **Table B.1** gives
//! the minimum rounds for primes of RSA keys (186-4 had them in tables C.2 and C.3), computed
//! by its appendix C.1 from the Damgard-Landrock-Pomerance bound:
//!
//! | key  | p, q bits | rounds for 2^-100 | rounds for the lower error | [`ROUNDS`] here |
//! |------|-----------|-------------------|----------------------------|-----------------|
//! | 2048 | 1024      | 4                 | 5 (2^-112)                 | 8               |
//! | 3072 | 1536      | 3                 | 4 (2^-128)                 | 8               |
//! | 4096 | 2048      | 2                 | 4 (2^-144)                 | 8               |
//!
//! so by that table each prime found here is composite with probability at most 2^-112
//! (RSA-2048), 2^-128 (RSA-3072), 2^-144 (RSA-4096). For 8 rounds the closed form of the same
//! bound, p(k, t) < k^1.5 * 2^t * t^-0.5 * 4^(2 - sqrt(t k)) for 3 <= t <= k/9 (Damgard,
//! Landrock, Pomerance, Math. Comp. 61 (1993); HAC fact 4.48), gives p(1024, 8) < 2^-155,
//! p(1536, 8) < 2^-195, p(2048, 8) < 2^-229. Those bounds are for candidates drawn
//! independently; for this search, a union bound over every candidate a start may reach
//! (MAX_DELTA / 2 = 2^19 of them, each uniform over half of the odd k-bit numbers; the bases
//! are drawn afresh for each) costs at most a factor 2^20 per start: 2^-135, 2^-175, 2^-209
//! per prime, still below the table's figures (a second start is drawn only when 2^19
//! candidates hold no prime, or the search runs past 2^k).
//!
//! An RSA-2048 key costs about 60% of OpenSSL's `RSA_generate_key_ex` (benches/README.md,
//! "Labs at scale": the host key every first boot makes). Sizes other than these three stay
//! with OpenSSL's generator.

use std::cmp::Ordering;
use std::sync::OnceLock;

use openssl::bn::{BigNum, BigNumContext, BigNumRef, MsbOption};
use openssl::error::ErrorStack;
use openssl::pkey::Private;
use openssl::rsa::Rsa;

/// Miller-Rabin rounds (random bases) per prime of 1024 bits or more: above every entry of FIPS
/// 186-5 Table B.1 for 1024, 1536 and 2048-bit primes (the module docs give the bounds).
pub(crate) const ROUNDS: u32 = 8;

/// The sieve's bound: the odd primes below it (2047 of them: OpenSSL's table of the first 2048
/// primes, less 2).
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
            // |p - q| < 2^(nlen/2 - 99): stricter than A.1.1's |p - q| > 2^(nlen/2 - 100), by
            // one bit (not reached in practice: about 2^-96 for random p and q).
            continue;
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
            // d < 2^(nlen/2); d is odd (d e = 1 + k lcm, lcm even), so never 2^(nlen/2) itself:
            // this is A.1.1's d > 2^(nlen/2) exactly (not reached in practice).
            continue;
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
    fn miller_rabin_squares_through_long_runs_of_twos() {
        // Primes whose w - 1 has 16, 23, 27 and 32 factors of 2 (65537, 119 * 2^23 + 1,
        // 15 * 2^27 + 1, 2^64 - 2^32 + 1): a prime passes only through the squaring loop's
        // z = w - 1 branch, which the Mersenne primes above (w - 1 = 2 * odd) never reach.
        let mut ctx = BigNumContext::new().unwrap();
        for prime in ["65537", "998244353", "2013265921", "18446744069414584321"] {
            let w = BigNum::from_dec_str(prime).unwrap();
            assert!(w.is_prime(64, &mut ctx).unwrap(), "{prime}");
            assert!(miller_rabin(&w, 20, &mut ctx).unwrap(), "{prime}");
        }
    }

    #[test]
    fn miller_rabin_with_random_bases_catches_strong_pseudoprimes_to_small_bases() {
        // 3215031751 = 151 * 751 * 28351 passes the bases 2, 3, 5 and 7, and
        // 3825123056546413051 = 149491 * 747451 * 34233211 every prime base up to 31: a test
        // with fixed small bases calls them prime, random bases do not.
        let mut ctx = BigNumContext::new().unwrap();
        for (n, factors) in [
            ("3215031751", ["151", "751", "28351"]),
            ("3825123056546413051", ["149491", "747451", "34233211"]),
        ] {
            let w = BigNum::from_dec_str(n).unwrap();
            let mut product = BigNum::from_u32(1).unwrap();
            for f in factors {
                let f = BigNum::from_dec_str(f).unwrap();
                let mut next = BigNum::new().unwrap();
                next.checked_mul(&product, &f, &mut ctx).unwrap();
                product = next;
            }
            assert_eq!(product, w);
            assert!(!miller_rabin(&w, 20, &mut ctx).unwrap(), "{n}");
        }
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
