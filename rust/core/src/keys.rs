//! Keys: [`KeySpec`] says what to generate, [`PrivateKey`] and [`PublicKey`] hold keys of the
//! four IOS XR algorithms and move them in and out as PKCS#8 and SubjectPublicKeyInfo (DER or
//! PEM), the forms pyca/cryptography and OpenSSL load.
//!
//! RSA, DSA and ECDSA keys live in OpenSSL `EVP_PKEY`s; Ed25519 private keys live in AWS-LC
//! (whose signing is several times faster here). Both libraries wipe private key memory when a
//! key is freed (`BN_clear_free`, `OPENSSL_cleanse`); every private byte string the core makes
//! on the way (seeds, PKCS#8 documents) is a [`Zeroizing`] buffer, wiped on drop.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use openssl::bn::BigNum;
use openssl::dsa::Dsa;
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::sign::{Signer, Verifier};
use rayon::prelude::*;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::rsagen;

/// Smallest RSA modulus IOS XR generates (`crypto key generate rsa`).
pub const RSA_MIN_BITS: u32 = 512;
/// Largest RSA modulus IOS XR generates.
pub const RSA_MAX_BITS: u32 = 4096;
/// Largest RSA modulus the core loads (imported keys may be larger than IOS XR generates).
pub const RSA_MAX_LOAD_BITS: u32 = 16384;
/// DSA moduli IOS XR offers (`crypto key generate dsa`).
pub const DSA_BITS: [u32; 3] = [512, 768, 1024];
/// The public exponent of every RSA key the core generates.
pub const RSA_PUBLIC_EXPONENT: u32 = 65537;

/// PEM labels of the unencrypted private key forms OpenSSL reads.
const PRIVATE_PEM_LABELS: [&str; 4] = [
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
];

/// The four key algorithms of IOS XR's `crypto key generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    Rsa,
    Dsa,
    Ecdsa,
    Ed25519,
}

impl KeyType {
    /// The lower-case name used in the CLI and the Python API.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "rsa",
            KeyType::Dsa => "dsa",
            KeyType::Ecdsa => "ecdsa",
            KeyType::Ed25519 => "ed25519",
        }
    }

    /// Parses a name as [`KeyType::name`] gives it (case-insensitive).
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "rsa" => Ok(KeyType::Rsa),
            "dsa" => Ok(KeyType::Dsa),
            "ecdsa" | "ec" => Ok(KeyType::Ecdsa),
            "ed25519" => Ok(KeyType::Ed25519),
            _ => Err(Error::Unsupported {
                what: "key type",
                name: name.to_owned(),
            }),
        }
    }
}

/// The NIST curves of `crypto key generate ecdsa nistp256|nistp384|nistp521`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// The IOS XR name: `nistp256`, `nistp384`, `nistp521`.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "nistp256",
            Curve::P384 => "nistp384",
            Curve::P521 => "nistp521",
        }
    }

    /// Parses the IOS XR name, or the SECG / NIST / OpenSSL names of the same curve.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "nistp256" | "p256" | "p-256" | "secp256r1" | "prime256v1" => Ok(Curve::P256),
            "nistp384" | "p384" | "p-384" | "secp384r1" => Ok(Curve::P384),
            "nistp521" | "p521" | "p-521" | "secp521r1" => Ok(Curve::P521),
            _ => Err(Error::Unsupported {
                what: "curve",
                name: name.to_owned(),
            }),
        }
    }

    /// The size of the curve's field in bits.
    pub fn bits(self) -> u32 {
        match self {
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }

    fn nid(self) -> Nid {
        match self {
            Curve::P256 => Nid::X9_62_PRIME256V1,
            Curve::P384 => Nid::SECP384R1,
            Curve::P521 => Nid::SECP521R1,
        }
    }

    fn from_nid(nid: Nid) -> Option<Self> {
        [Curve::P256, Curve::P384, Curve::P521]
            .into_iter()
            .find(|c| c.nid() == nid)
    }
}

/// The digests of signatures and of `message-digest` in a trustpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    /// `sha1`, `sha256`, `sha384` or `sha512`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "sha1",
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
        }
    }

    /// Parses a name as [`HashAlg::name`] gives it; `sha-256` style is accepted too.
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => Ok(HashAlg::Sha1),
            "sha256" => Ok(HashAlg::Sha256),
            "sha384" => Ok(HashAlg::Sha384),
            "sha512" => Ok(HashAlg::Sha512),
            _ => Err(Error::Unsupported {
                what: "hash",
                name: name.to_owned(),
            }),
        }
    }

    /// Length of the digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }
}

const RSA_ALLOWED: &str = "512 to 4096 bits";
const DSA_ALLOWED: &str = "512, 768 or 1024 bits";

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    Rsa { bits: u32 },
    Dsa { bits: u32 },
    Ecdsa(Curve),
    Ed25519,
}

impl KeySpec {
    /// Checks the size against what IOS XR generates.
    pub fn validate(self) -> Result<()> {
        match self {
            KeySpec::Rsa { bits } if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) => {
                Err(Error::KeySize {
                    algorithm: "RSA",
                    bits: bits.into(),
                    allowed: RSA_ALLOWED,
                })
            }
            KeySpec::Dsa { bits } if !DSA_BITS.contains(&bits) => Err(Error::KeySize {
                algorithm: "DSA",
                bits: bits.into(),
                allowed: DSA_ALLOWED,
            }),
            _ => Ok(()),
        }
    }

    /// An RSA or DSA spec from a size of any integer type, refusing what does not fit.
    pub fn with_bits(key_type: KeyType, bits: i64) -> Result<Self> {
        let (algorithm, allowed) = match key_type {
            KeyType::Rsa => ("RSA", RSA_ALLOWED),
            KeyType::Dsa => ("DSA", DSA_ALLOWED),
            other => {
                return Err(Error::InvalidInput(format!(
                    "a size does not apply to {} keys",
                    other.name()
                )))
            }
        };
        let size = u32::try_from(bits).map_err(|_| Error::KeySize {
            algorithm,
            bits,
            allowed,
        })?;
        let spec = if key_type == KeyType::Rsa {
            KeySpec::Rsa { bits: size }
        } else {
            KeySpec::Dsa { bits: size }
        };
        spec.validate()?;
        Ok(spec)
    }

    /// The algorithm of the keys this spec makes.
    pub fn key_type(self) -> KeyType {
        match self {
            KeySpec::Rsa { .. } => KeyType::Rsa,
            KeySpec::Dsa { .. } => KeyType::Dsa,
            KeySpec::Ecdsa(_) => KeyType::Ecdsa,
            KeySpec::Ed25519 => KeyType::Ed25519,
        }
    }
}

pub(crate) enum PrivInner {
    OpenSsl(PKey<Private>),
    Ed25519(Box<Ed25519KeyPair>),
}

/// A private key of one of the four algorithms. `Send + Sync`: one key signs from many threads.
pub struct PrivateKey {
    pub(crate) inner: PrivInner,
    key_type: KeyType,
    bits: u32,
    curve: Option<Curve>,
}

impl std::fmt::Debug for PrivateKey {
    // Never prints key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("key_type", &self.key_type)
            .field("bits", &self.bits)
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates one key. RSA uses the public exponent 65537.
    pub fn generate(spec: KeySpec) -> Result<Self> {
        spec.validate()?;
        match spec {
            KeySpec::Rsa { bits } => {
                // 2048, 3072, 4096: rsagen (fewer Miller-Rabin rounds, ~60% of the time); other
                // sizes: OpenSSL's generator.
                let rsa = if rsagen::handles(bits) {
                    rsagen::generate(bits, RSA_PUBLIC_EXPONENT).map_err(Error::backend)?
                } else {
                    let e = BigNum::from_u32(RSA_PUBLIC_EXPONENT).map_err(Error::backend)?;
                    Rsa::generate_with_e(bits, &e).map_err(Error::backend)?
                };
                Self::from_openssl(PKey::from_rsa(rsa).map_err(Error::backend)?, false)
            }
            KeySpec::Dsa { bits } => {
                let dsa = Dsa::generate(bits).map_err(Error::backend)?;
                Self::from_openssl(PKey::from_dsa(dsa).map_err(Error::backend)?, false)
            }
            KeySpec::Ecdsa(curve) => {
                let group = EcGroup::from_curve_name(curve.nid()).map_err(Error::backend)?;
                let ec = EcKey::generate(&group).map_err(Error::backend)?;
                Self::from_openssl(PKey::from_ec_key(ec).map_err(Error::backend)?, false)
            }
            KeySpec::Ed25519 => {
                let kp = Ed25519KeyPair::generate().map_err(Error::backend)?;
                Ok(Self::from_ed25519(kp))
            }
        }
    }

    /// Generates `count` keys in parallel on every core, in a thread pool of their own (`pool::KEYGEN`): the
    /// work other callers put on rayon's global pool meanwhile (package extraction, tree
    /// scans, IMA lists of routers booting beside the keys) does not queue behind them.
    pub fn generate_many(spec: KeySpec, count: usize) -> Result<Vec<Self>> {
        spec.validate()?;
        crate::pool::KEYGEN.get().install(|| {
            (0..count)
                .into_par_iter()
                .map(|_| Self::generate(spec))
                .collect()
        })
    }

    /// Loads an unencrypted private key in DER: PKCS#8, or the traditional RSA/DSA/EC forms.
    /// The input must be exactly one DER structure, and the key must be consistent (a
    /// signature made with it verifies with its public half).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        check_der_framing(der)?;
        let pkey = PKey::private_key_from_der(der).map_err(|_| {
            Error::InvalidKey("not a DER private key (PKCS#8, RSA, DSA or EC)".into())
        })?;
        Self::from_openssl(pkey, true)
    }

    /// Loads an unencrypted private key in PEM: the first `PRIVATE KEY`, `RSA PRIVATE KEY`,
    /// `EC PRIVATE KEY` or `DSA PRIVATE KEY` block, explanatory text around it allowed
    /// (RFC 7468). An encrypted key is refused; nothing ever prompts for a passphrase.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        let (_, der) = pem_block(pem, &PRIVATE_PEM_LABELS, "private key")?;
        Self::from_der(&der)
    }
    fn from_ed25519(kp: Ed25519KeyPair) -> Self {
        PrivateKey {
            inner: PrivInner::Ed25519(Box::new(kp)),
            key_type: KeyType::Ed25519,
            bits: 256,
            curve: None,
        }
    }

    fn from_openssl(pkey: PKey<Private>, validate: bool) -> Result<Self> {
        let (key_type, bits, curve) = describe(&pkey)?;
        if validate {
            check_consistent(&pkey, key_type)?;
        }
        if key_type == KeyType::Ed25519 {
            let seed = Zeroizing::new(pkey.raw_private_key().map_err(Error::invalid_key)?);
            let kp = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(Error::invalid_key)?;
            return Ok(Self::from_ed25519(kp));
        }
        Ok(PrivateKey {
            inner: PrivInner::OpenSsl(pkey),
            key_type,
            bits,
            curve,
        })
    }

    /// The algorithm.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// Modulus size for RSA and DSA, field size for ECDSA, 256 for Ed25519 (as IOS XR shows it).
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The curve of an ECDSA key.
    pub fn curve(&self) -> Option<Curve> {
        self.curve
    }

    /// PKCS#8 PrivateKeyInfo (RFC 5208, version 1) in DER.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        match &self.inner {
            PrivInner::OpenSsl(pkey) => pkey
                .private_key_to_pkcs8()
                .map(Zeroizing::new)
                .map_err(Error::backend),
            PrivInner::Ed25519(kp) => {
                let doc = kp.to_pkcs8v1().map_err(Error::backend)?;
                Ok(Zeroizing::new(doc.as_ref().to_vec()))
            }
        }
    }

    /// PKCS#8 in PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<Vec<u8>>> {
        match &self.inner {
            PrivInner::OpenSsl(pkey) => pkey
                .private_key_to_pem_pkcs8()
                .map(Zeroizing::new)
                .map_err(Error::backend),
            PrivInner::Ed25519(_) => {
                let der = self.to_pkcs8_der()?;
                let pkey = PKey::private_key_from_der(&der).map_err(Error::backend)?;
                pkey.private_key_to_pem_pkcs8()
                    .map(Zeroizing::new)
                    .map_err(Error::backend)
            }
        }
    }

    /// The public half.
    pub fn public_key(&self) -> Result<PublicKey> {
        let pkey = match &self.inner {
            PrivInner::OpenSsl(pkey) => {
                let der = pkey.public_key_to_der().map_err(Error::backend)?;
                PKey::public_key_from_der(&der).map_err(Error::backend)?
            }
            PrivInner::Ed25519(kp) => {
                PKey::public_key_from_raw_bytes(kp.public_key().as_ref(), Id::ED25519)
                    .map_err(Error::backend)?
            }
        };
        Ok(PublicKey {
            pkey,
            key_type: self.key_type,
            bits: self.bits,
            curve: self.curve,
        })
    }
}

/// A public key of one of the four algorithms.
pub struct PublicKey {
    pub(crate) pkey: PKey<Public>,
    key_type: KeyType,
    bits: u32,
    curve: Option<Curve>,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("key_type", &self.key_type)
            .field("bits", &self.bits)
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.pkey.public_eq(&other.pkey)
    }
}

impl Eq for PublicKey {}

impl PublicKey {
    /// Loads a SubjectPublicKeyInfo (RFC 5280) in DER, exactly one DER structure.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        check_der_framing(der)?;
        let pkey = PKey::public_key_from_der(der)
            .map_err(|_| Error::InvalidKey("not a DER SubjectPublicKeyInfo".into()))?;
        Self::from_openssl(pkey)
    }

    /// Loads an RSA public key in PKCS#1 `RSAPublicKey` DER (the `RSA PUBLIC KEY` form).
    pub fn from_rsa_pkcs1_der(der: &[u8]) -> Result<Self> {
        check_der_framing(der)?;
        let rsa = Rsa::public_key_from_der_pkcs1(der)
            .map_err(|_| Error::InvalidKey("not a DER PKCS#1 RSAPublicKey".into()))?;
        Self::from_openssl(PKey::from_rsa(rsa).map_err(Error::invalid_key)?)
    }

    /// Loads the first `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY` (PKCS#1) PEM
    /// block, explanatory text around it allowed. Never prompts for anything.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        let (label, der) = pem_block(pem, &["PUBLIC KEY", "RSA PUBLIC KEY"], "public key")?;
        if label == "RSA PUBLIC KEY" {
            return Self::from_rsa_pkcs1_der(&der);
        }
        Self::from_der(&der)
    }

    /// An Ed25519 public key from its 32 raw bytes (RFC 8032).
    pub fn from_ed25519_raw(raw: &[u8]) -> Result<Self> {
        if raw.len() != 32 {
            return Err(Error::InvalidKey(format!(
                "an Ed25519 public key is 32 bytes, not {}",
                raw.len()
            )));
        }
        let pkey = PKey::public_key_from_raw_bytes(raw, Id::ED25519).map_err(Error::invalid_key)?;
        Self::from_openssl(pkey)
    }

    fn from_openssl(pkey: PKey<Public>) -> Result<Self> {
        let (key_type, bits, curve) = describe(&pkey)?;
        Ok(PublicKey {
            pkey,
            key_type,
            bits,
            curve,
        })
    }

    /// The algorithm.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// As [`PrivateKey::bits`].
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The curve of an ECDSA key.
    pub fn curve(&self) -> Option<Curve> {
        self.curve
    }

    /// SubjectPublicKeyInfo in DER.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        self.pkey.public_key_to_der().map_err(Error::backend)
    }

    /// SubjectPublicKeyInfo in PEM.
    pub fn to_pem(&self) -> Result<Vec<u8>> {
        self.pkey.public_key_to_pem().map_err(Error::backend)
    }

    /// The 32 raw bytes of an Ed25519 key (what `show crypto key mypubkey ed25519` prints).
    pub fn ed25519_raw(&self) -> Result<Vec<u8>> {
        if self.key_type != KeyType::Ed25519 {
            return Err(Error::InvalidInput(format!(
                "raw public bytes exist for Ed25519 keys only, not {}",
                self.key_type.name()
            )));
        }
        self.pkey.raw_public_key().map_err(Error::backend)
    }
}

/// Refuses input that is not exactly one DER structure (OpenSSL's parsers ignore trailing
/// bytes; pyca/cryptography and xrsim do not).
fn check_der_framing(der: &[u8]) -> Result<()> {
    use der::Decode;
    if der.is_empty() {
        return Err(Error::InvalidKey("empty input".into()));
    }
    der::AnyRef::from_der(der)
        .map(|_| ())
        .map_err(|e| Error::InvalidKey(format!("not a single DER structure: {e}")))
}

/// Label and contents of the first PEM block whose label is one of `labels`. An encrypted
/// private key (`ENCRYPTED PRIVATE KEY`, or RFC 1421 `Proc-Type: 4,ENCRYPTED`) is refused.
fn pem_block(input: &[u8], labels: &[&str], what: &str) -> Result<(String, Zeroizing<Vec<u8>>)> {
    let blocks =
        pem::parse_many(input).map_err(|e| Error::InvalidKey(format!("not a PEM {what}: {e}")))?;
    for block in blocks {
        let encrypted = block.tag() == "ENCRYPTED PRIVATE KEY"
            || block
                .headers()
                .get("Proc-Type")
                .is_some_and(|v| v.contains("ENCRYPTED"));
        if encrypted {
            return Err(Error::InvalidKey(
                "encrypted private keys are not supported: decrypt it first".into(),
            ));
        }
        if labels.contains(&block.tag()) {
            let label = block.tag().to_owned();
            return Ok((label, Zeroizing::new(block.into_contents())));
        }
    }
    Err(Error::InvalidKey(format!(
        "no PEM block of a {what} ({}) found",
        labels.join(", ")
    )))
}

/// A loaded private key must be usable: EC keys pass OpenSSL's key check, RSA and DSA keys a
/// pairwise test (sign, then verify with the public half), which catches inconsistent primes
/// or exponents before the key is stored or used.
fn check_consistent(pkey: &PKey<Private>, key_type: KeyType) -> Result<()> {
    const PROBE: &[u8] = b"xrsim pairwise consistency test";
    let bad =
        |what: &str| Error::InvalidKey(format!("inconsistent {} key: {what}", key_type.name()));
    match key_type {
        KeyType::Ecdsa => {
            let ec = pkey.ec_key().map_err(|_| bad("not an EC key"))?;
            ec.check_key()
                .map_err(|_| bad("point not on the curve or wrong private value"))
        }
        KeyType::Rsa | KeyType::Dsa => {
            let md = openssl::hash::MessageDigest::sha256();
            let sig = Signer::new(md, pkey)
                .and_then(|mut s| {
                    s.update(PROBE)?;
                    s.sign_to_vec()
                })
                .map_err(|_| bad("it cannot sign"))?;
            let ok = Verifier::new(md, pkey)
                .and_then(|mut v| {
                    v.update(PROBE)?;
                    v.verify(&sig)
                })
                .unwrap_or(false);
            if ok {
                Ok(())
            } else {
                Err(bad("its signature does not verify with its public key"))
            }
        }
        KeyType::Ed25519 => Ok(()),
    }
}

/// Type, size and curve of a key, refusing the types and curves the core does not serve.
fn describe<T: openssl::pkey::HasPublic>(pkey: &PKey<T>) -> Result<(KeyType, u32, Option<Curve>)> {
    match pkey.id() {
        Id::RSA => {
            let bits = pkey.bits();
            if !(RSA_MIN_BITS..=RSA_MAX_LOAD_BITS).contains(&bits) {
                return Err(Error::InvalidKey(format!(
                    "RSA modulus of {bits} bits is outside 512 to 16384"
                )));
            }
            Ok((KeyType::Rsa, bits, None))
        }
        Id::DSA => Ok((KeyType::Dsa, pkey.bits(), None)),
        Id::EC => {
            let ec = pkey.ec_key().map_err(Error::invalid_key)?;
            let nid = ec.group().curve_name();
            match nid.and_then(Curve::from_nid) {
                Some(curve) => Ok((KeyType::Ecdsa, curve.bits(), Some(curve))),
                None => Err(Error::Unsupported {
                    what: "curve",
                    name: nid
                        .and_then(|n| n.short_name().ok())
                        .unwrap_or("explicit parameters")
                        .to_owned(),
                }),
            }
        }
        Id::ED25519 => Ok((KeyType::Ed25519, 256, None)),
        other => Err(Error::Unsupported {
            what: "key type",
            name: format!("OpenSSL key id {}", other.as_raw()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in [KeyType::Rsa, KeyType::Dsa, KeyType::Ecdsa, KeyType::Ed25519] {
            assert_eq!(KeyType::from_name(t.name()).unwrap(), t);
        }
        for c in [Curve::P256, Curve::P384, Curve::P521] {
            assert_eq!(Curve::from_name(c.name()).unwrap(), c);
        }
        assert_eq!(Curve::from_name("secp384r1").unwrap(), Curve::P384);
        for h in [
            HashAlg::Sha1,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ] {
            assert_eq!(HashAlg::from_name(h.name()).unwrap(), h);
        }
        assert!(KeyType::from_name("x25519").is_err());
        assert!(HashAlg::from_name("md5").is_err());
    }

    #[test]
    fn sizes_outside_ios_xr_ranges_are_refused() {
        for spec in [
            KeySpec::Rsa { bits: 511 },
            KeySpec::Rsa { bits: 4097 },
            KeySpec::Dsa { bits: 2048 },
            KeySpec::Dsa { bits: 640 },
        ] {
            assert!(matches!(
                PrivateKey::generate(spec),
                Err(Error::KeySize { .. })
            ));
        }
    }

    #[test]
    fn every_algorithm_round_trips_through_pkcs8_and_spki() {
        for spec in [
            KeySpec::Rsa { bits: 512 },
            KeySpec::Rsa { bits: 1024 },
            KeySpec::Dsa { bits: 512 },
            KeySpec::Ecdsa(Curve::P256),
            KeySpec::Ecdsa(Curve::P384),
            KeySpec::Ecdsa(Curve::P521),
            KeySpec::Ed25519,
        ] {
            let key = PrivateKey::generate(spec).unwrap();
            assert_eq!(key.key_type(), spec.key_type());
            let der = key.to_pkcs8_der().unwrap();
            let again = PrivateKey::from_der(&der).unwrap();
            assert_eq!(again.key_type(), key.key_type());
            assert_eq!(again.bits(), key.bits());
            assert_eq!(again.public_key().unwrap(), key.public_key().unwrap());
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with(b"-----BEGIN PRIVATE KEY-----"));
            let from_pem = PrivateKey::from_pem(&pem).unwrap();
            assert_eq!(from_pem.public_key().unwrap(), key.public_key().unwrap());
            let spki = key.public_key().unwrap().to_der().unwrap();
            assert_eq!(
                PublicKey::from_der(&spki).unwrap(),
                key.public_key().unwrap()
            );
        }
    }

    #[test]
    fn generate_many_makes_distinct_keys() {
        let keys = PrivateKey::generate_many(KeySpec::Ed25519, 8).unwrap();
        let mut spki: Vec<Vec<u8>> = keys
            .iter()
            .map(|k| k.public_key().unwrap().to_der().unwrap())
            .collect();
        spki.sort();
        spki.dedup();
        assert_eq!(spki.len(), 8);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert!(matches!(
            PrivateKey::from_der(b""),
            Err(Error::InvalidKey(_))
        ));
        assert!(matches!(
            PrivateKey::from_der(&[0x30, 0x03, 0x02, 0x01]),
            Err(Error::InvalidKey(_))
        ));
        assert!(matches!(
            PublicKey::from_der(b"\x30\x00"),
            Err(Error::InvalidKey(_))
        ));
        assert!(PublicKey::from_ed25519_raw(&[0u8; 31]).is_err());
    }

    #[test]
    fn trailing_bytes_and_encrypted_pem_are_refused() {
        let key = PrivateKey::generate(KeySpec::Ecdsa(Curve::P256)).unwrap();
        let mut der = key.to_pkcs8_der().unwrap().to_vec();
        der.push(0);
        assert!(matches!(
            PrivateKey::from_der(&der),
            Err(Error::InvalidKey(_))
        ));
        let enc =
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(matches!(
            PrivateKey::from_pem(enc),
            Err(Error::InvalidKey(_))
        ));
        let mut text = b"explanatory text\n".to_vec();
        text.extend_from_slice(&key.public_key().unwrap().to_pem().unwrap());
        assert_eq!(
            PublicKey::from_pem(&text).unwrap(),
            key.public_key().unwrap()
        );
    }

    #[test]
    fn sizes_of_any_integer_are_checked() {
        assert!(matches!(
            KeySpec::with_bits(KeyType::Rsa, -1),
            Err(Error::KeySize { .. })
        ));
        assert!(matches!(
            KeySpec::with_bits(KeyType::Dsa, 1 << 40),
            Err(Error::KeySize { .. })
        ));
        assert_eq!(
            KeySpec::with_bits(KeyType::Rsa, 2048).unwrap(),
            KeySpec::Rsa { bits: 2048 }
        );
    }

    #[test]
    fn ed25519_raw_is_ed25519_only() {
        let k = PrivateKey::generate(KeySpec::Ecdsa(Curve::P256)).unwrap();
        assert!(k.public_key().unwrap().ed25519_raw().is_err());
        let e = PrivateKey::generate(KeySpec::Ed25519).unwrap();
        assert_eq!(e.public_key().unwrap().ed25519_raw().unwrap().len(), 32);
    }
}
