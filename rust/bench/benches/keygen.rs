//! RSA-2048 key generation, in one run: OpenSSL 4.0's generator (`RSA_generate_key_ex`
//! through the `openssl` crate, what xrsim-core used before), AWS-LC's (`aws-lc-rs`, alone and
//! with its PKCS#8 loaded into OpenSSL, as the core would have to), and xrsim-core's
//! (`PrivateKey::generate`: `rsagen`, fewer Miller-Rabin rounds). What a first boot pays per
//! router for its host key (benches/README.md, "Labs at scale").
//!
//! Times are the thread's time on a CPU (`/proc/thread-self/schedstat`), not wall time, so that
//! other load on the machine does not count; the generators are single-threaded.
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use openssl::bn::BigNum;
use openssl::rsa::Rsa;
use std::hint::black_box;
use std::time::Duration;
use xrsim_core::{KeySpec, PrivateKey};

/// Nanoseconds this thread has run on a CPU.
fn cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    s.split_whitespace().next().unwrap().parse().unwrap()
}

fn on_cpu<T>(iters: u64, mut f: impl FnMut() -> T) -> Duration {
    let start = cpu_ns();
    for _ in 0..iters {
        black_box(f());
    }
    Duration::from_nanos(cpu_ns() - start)
}

fn rsa2048_keygen(c: &mut Criterion) {
    let mut g = c.benchmark_group("rsa2048_keygen_cpu");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(30);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("openssl4", |b| {
        b.iter_custom(|n| {
            on_cpu(n, || {
                let e = BigNum::from_u32(65537).unwrap();
                Rsa::generate_with_e(2048, &e).unwrap()
            })
        })
    });
    g.bench_function("aws_lc_rs", |b| {
        b.iter_custom(|n| on_cpu(n, || KeyPair::generate(KeySize::Rsa2048).unwrap()))
    });
    g.bench_function("aws_lc_rs_pkcs8_into_openssl", |b| {
        b.iter_custom(|n| {
            on_cpu(n, || {
                let kp = KeyPair::generate(KeySize::Rsa2048).unwrap();
                let der = kp.as_der().unwrap();
                openssl::pkey::PKey::private_key_from_der(der.as_ref()).unwrap()
            })
        })
    });
    g.bench_function("xrsim_core", |b| {
        b.iter_custom(|n| {
            on_cpu(n, || {
                PrivateKey::generate(KeySpec::Rsa { bits: 2048 }).unwrap()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, rsa2048_keygen);
criterion_main!(benches);
