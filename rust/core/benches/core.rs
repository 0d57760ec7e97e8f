//! Criterion benches of the core without Python: the per-call cost that the pytest-benchmark
//! suites in `benches/` compare against pyca/cryptography and hashlib.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use xrsim_core::digest::digest;
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

criterion_group!(benches, signing, hashing);
criterion_main!(benches);
