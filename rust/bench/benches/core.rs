//! Criterion benches of the core without Python: the per-call cost that the pytest-benchmark
//! suites in `benches/` compare against pyca/cryptography and hashlib.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use xrsim_core::digest::digest;
use xrsim_core::ima::{replay, ImaLog};
use xrsim_core::{Curve, HashAlg, KeySpec, PrivateKey};

fn signing(c: &mut Criterion) {
    let msg = [0x5au8; 64];
    let rsa = PrivateKey::generate(KeySpec::Rsa { bits: 2048 }).unwrap();
    c.bench_function("rsa2048_sign_sha256", |b| {
        b.iter(|| rsa.sign(black_box(&msg), Some(HashAlg::Sha256)).unwrap())
    });
    let ed = PrivateKey::generate(KeySpec::Ed25519).unwrap();
    c.bench_function("ed25519_sign", |b| {
        b.iter(|| ed.sign(black_box(&msg), None).unwrap())
    });
    let ec = PrivateKey::generate(KeySpec::Ecdsa(Curve::P256)).unwrap();
    c.bench_function("p256_sign_sha256", |b| {
        b.iter(|| ec.sign(black_box(&msg), Some(HashAlg::Sha256)).unwrap())
    });
}

fn hashing(c: &mut Criterion) {
    let data = vec![0u8; 1 << 20];
    let mut g = c.benchmark_group("sha256");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("1MiB", |b| {
        b.iter(|| digest(HashAlg::Sha256, black_box(&data)))
    });
    g.finish();
}

/// IMA: 100,000 events appended in one batch, then the binary list replayed (the `ima-100k`
/// row of `xrsim bench` without Python).
fn ima(c: &mut Criterion) {
    let events: Vec<(String, [u8; 32])> = (0..100_000u32)
        .map(|i| {
            (
                format!("/opt/cisco/XR/packages/xr-bench-7.3.1-r1/bin/tool{i:06}"),
                digest(HashAlg::Sha256, &i.to_be_bytes())
                    .try_into()
                    .unwrap(),
            )
        })
        .collect();
    let mut g = c.benchmark_group("ima");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.sample_size(20);
    g.bench_function("append_many_100k", |b| {
        b.iter(|| {
            let mut log = ImaLog::new();
            log.append_many(black_box(&events)).unwrap();
            log
        })
    });
    let mut log = ImaLog::new();
    log.append_many(&events).unwrap();
    g.bench_function("replay_100k", |b| {
        b.iter(|| replay(black_box(log.binary())).unwrap())
    });
    g.finish();
}

criterion_group!(benches, signing, hashing, ima);
criterion_main!(benches);
