//! Signing and verification: RSA PKCS#1 v1.5, DSA and ECDSA (DER `Dss-Sig-Value`), Ed25519
//! (RFC 8032, pure). [`PrivateKey::sign_many`] signs a batch on every core with rayon.
//!
//! The hash argument is required for RSA, DSA and ECDSA and must be absent for Ed25519, which
//! hashes internally; a mismatch is [`Error::InvalidInput`].

use openssl::hash::MessageDigest;
use openssl::pkey::Id;
use openssl::rsa::Padding;
use openssl::sign::{Signer, Verifier};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::keys::{HashAlg, KeyType, PrivInner, PrivateKey, PublicKey};

fn message_digest(hash: HashAlg) -> MessageDigest {
    match hash {
        HashAlg::Sha1 => MessageDigest::sha1(),
        HashAlg::Sha256 => MessageDigest::sha256(),
        HashAlg::Sha384 => MessageDigest::sha384(),
        HashAlg::Sha512 => MessageDigest::sha512(),
    }
}

/// The digest to use with a key type, or the error for a hash that does not fit it.
fn digest_for(key_type: KeyType, hash: Option<HashAlg>) -> Result<Option<MessageDigest>> {
    match (key_type, hash) {
        (KeyType::Ed25519, None) => Ok(None),
        (KeyType::Ed25519, Some(h)) => Err(Error::InvalidInput(format!(
            "Ed25519 signs the message itself; no hash may be given (got {})",
            h.name()
        ))),
        (t, None) => Err(Error::InvalidInput(format!(
            "{} signatures need a hash: sha1, sha256, sha384 or sha512",
            t.name()
        ))),
        (_, Some(h)) => Ok(Some(message_digest(h))),
    }
}

/// PKCS#1 v1.5 needs the modulus to hold the DigestInfo (RFC 8017 section 9.2) plus 11 bytes.
fn check_rsa_room(bits: u32, hash: HashAlg) -> Result<()> {
    // DigestInfo = the algorithm's DER prefix (15 bytes for SHA-1, 19 for SHA-2) + the digest.
    let prefix = if hash == HashAlg::Sha1 { 15 } else { 19 };
    let needed = prefix + hash.output_len() + 11;
    if (bits as usize).div_ceil(8) < needed {
        return Err(Error::InvalidInput(format!(
            "a {bits}-bit RSA key is too small for PKCS#1 v1.5 signatures with {} \
             (it needs at least {} bits)",
            hash.name(),
            needed * 8
        )));
    }
    Ok(())
}

impl PrivateKey {
    fn check_hash(&self, hash: Option<HashAlg>) -> Result<Option<MessageDigest>> {
        let md = digest_for(self.key_type(), hash)?;
        if let (KeyType::Rsa, Some(h)) = (self.key_type(), hash) {
            check_rsa_room(self.bits(), h)?;
        }
        Ok(md)
    }

    /// Signs `data`. RSA: PKCS#1 v1.5; DSA/ECDSA: DER; Ed25519: 64 bytes, `hash` must be `None`.
    pub fn sign(&self, data: &[u8], hash: Option<HashAlg>) -> Result<Vec<u8>> {
        let md = self.check_hash(hash)?;
        self.sign_with(data, md)
    }

    /// Signs every message with this key, spread over every core. The result is in input order.
    pub fn sign_many<M: AsRef<[u8]> + Sync>(
        &self,
        messages: &[M],
        hash: Option<HashAlg>,
    ) -> Result<Vec<Vec<u8>>> {
        let md = self.check_hash(hash)?;
        crate::pool::install(|| {
            messages
                .par_iter()
                .map(|m| self.sign_with(m.as_ref(), md))
                .collect()
        })
    }

    fn sign_with(&self, data: &[u8], md: Option<MessageDigest>) -> Result<Vec<u8>> {
        match (&self.inner, md) {
            (PrivInner::Ed25519(kp), _) => Ok(kp.sign(data).as_ref().to_vec()),
            (PrivInner::OpenSsl(pkey), Some(md)) => {
                let mut signer = Signer::new(md, pkey).map_err(Error::backend)?;
                if pkey.id() == Id::RSA {
                    signer
                        .set_rsa_padding(Padding::PKCS1)
                        .map_err(Error::backend)?;
                }
                signer.update(data).map_err(Error::backend)?;
                signer.sign_to_vec().map_err(Error::backend)
            }
            (PrivInner::OpenSsl(_), None) => Err(Error::InvalidInput("a hash is required".into())),
        }
    }
}

impl PublicKey {
    /// Checks `signature` over `data`; [`Error::InvalidSignature`] when it does not verify,
    /// including a signature that is not even well-formed.
    pub fn verify(&self, signature: &[u8], data: &[u8], hash: Option<HashAlg>) -> Result<()> {
        let md = digest_for(self.key_type(), hash)?;
        let ok = match md {
            None => Verifier::new_without_digest(&self.pkey)
                .and_then(|mut v| v.verify_oneshot(signature, data)),
            Some(md) => Verifier::new(md, &self.pkey).and_then(|mut v| {
                if self.pkey.id() == Id::RSA {
                    v.set_rsa_padding(Padding::PKCS1)?;
                }
                v.update(data)?;
                v.verify(signature)
            }),
        };
        match ok {
            Ok(true) => Ok(()),
            // OpenSSL reports a malformed signature as an error: it is still a bad signature.
            Ok(false) | Err(_) => Err(Error::InvalidSignature),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Curve, KeySpec};

    #[test]
    fn sign_then_verify_every_algorithm_and_hash() {
        let hashes = [
            HashAlg::Sha1,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ];
        for spec in [
            KeySpec::Rsa { bits: 1024 },
            KeySpec::Dsa { bits: 1024 },
            KeySpec::Ecdsa(Curve::P256),
            KeySpec::Ecdsa(Curve::P521),
        ] {
            let key = PrivateKey::generate(spec).unwrap();
            let public = key.public_key().unwrap();
            for h in hashes {
                let sig = key.sign(b"router", Some(h)).unwrap();
                public.verify(&sig, b"router", Some(h)).unwrap();
                assert!(matches!(
                    public.verify(&sig, b"routeR", Some(h)),
                    Err(Error::InvalidSignature)
                ));
            }
        }
    }

    #[test]
    fn ed25519_rfc8032_test_1() {
        // RFC 8032 section 7.1, TEST 1 (empty message).
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap();
        let mut pkcs8 = hex::decode("302e020100300506032b657004220420").unwrap();
        pkcs8.extend_from_slice(&seed);
        let key = PrivateKey::from_der(&pkcs8).unwrap();
        let public = key.public_key().unwrap();
        assert_eq!(
            hex::encode(public.ed25519_raw().unwrap()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.sign(b"", None).unwrap();
        assert_eq!(
            hex::encode(&sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        public.verify(&sig, b"", None).unwrap();
    }

    #[test]
    fn hash_must_fit_the_algorithm() {
        let ed = PrivateKey::generate(KeySpec::Ed25519).unwrap();
        assert!(matches!(
            ed.sign(b"x", Some(HashAlg::Sha256)),
            Err(Error::InvalidInput(_))
        ));
        let ec = PrivateKey::generate(KeySpec::Ecdsa(Curve::P256)).unwrap();
        assert!(matches!(ec.sign(b"x", None), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn batch_matches_single_calls() {
        let key = PrivateKey::generate(KeySpec::Ed25519).unwrap();
        let msgs: Vec<Vec<u8>> = (0..100u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let sigs = key.sign_many(&msgs, None).unwrap();
        for (m, s) in msgs.iter().zip(&sigs) {
            // Ed25519 is deterministic: the batch must give what one call gives.
            assert_eq!(&key.sign(m, None).unwrap(), s);
        }
        let rsa = PrivateKey::generate(KeySpec::Rsa { bits: 1024 }).unwrap();
        let public = rsa.public_key().unwrap();
        let sigs = rsa.sign_many(&msgs, Some(HashAlg::Sha256)).unwrap();
        for (m, s) in msgs.iter().zip(&sigs) {
            public.verify(s, m, Some(HashAlg::Sha256)).unwrap();
        }
    }

    #[test]
    fn rsa_512_refuses_digests_that_do_not_fit() {
        let key = PrivateKey::generate(KeySpec::Rsa { bits: 512 }).unwrap();
        key.sign(b"x", Some(HashAlg::Sha256)).unwrap();
        for h in [HashAlg::Sha384, HashAlg::Sha512] {
            assert!(matches!(
                key.sign(b"x", Some(h)),
                Err(Error::InvalidInput(_))
            ));
        }
    }

    #[test]
    fn garbage_signature_is_invalid_not_a_panic() {
        let ec = PrivateKey::generate(KeySpec::Ecdsa(Curve::P384)).unwrap();
        let public = ec.public_key().unwrap();
        for sig in [&b""[..], b"\x30\x00", &[0xffu8; 200]] {
            assert!(matches!(
                public.verify(sig, b"x", Some(HashAlg::Sha384)),
                Err(Error::InvalidSignature)
            ));
        }
    }
}
