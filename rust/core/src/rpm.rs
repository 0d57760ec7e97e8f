//! RPM packages: build (format v4, SHA-256 file digests, gzip payload), sign with an OpenPGP
//! key, read the header, check digests and signatures, and extract the payload.
//!
//! Built on the `rpm` crate (rpm-rs) and its `pgp` (rpm-pgp) signer: format v4 because
//! Debian's rpm 4.18 only checks the signatures of v4 packages; rpm 4.18 reads, verifies
//! (`rpm -K`) and installs what [`build`] writes.
//!
//! - [`SigningKey`]: an OpenPGP RSA key ([`generate_signing_key`]), kept as armored text:
//!   the secret key (zeroized on drop) and the public key `rpm --import` takes.
//! - [`PackageSpec`], [`FileSpec`], [`DirSpec`]: what a package holds; [`build`] makes the
//!   package bytes, signed when a key is given.
//! - [`PackageInfo`], [`FileInfo`]: what [`read`] finds in a package's header (name, version,
//!   release, arch, summary, file digests and their algorithm, sizes, modes, owners, the key
//!   ID of the signature).
//! - [`verify`]: header and payload digests, then the signature against given public keys.
//! - [`extract`]: the payload's directories and files written under each of several roots
//!   (one decompression), every file's content checked against its header digest first;
//!   [`extract_many`]: several packages at once, the roots written in parallel (rayon).
//! - [`payload`]: the payload's regular files in memory.
//!
//! Malformed or damaged packages are [`Error::InvalidPackage`]; a signature that does not
//! verify (or none) is [`Error::InvalidSignature`]; a key that cannot sign is
//! [`Error::InvalidKey`].

use std::collections::HashMap;
use std::fs;
use std::io::{self, Cursor, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use pgp::composed::{
    ArmorOptions, Deserializable, KeyType, SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
};
use pgp::types::KeyDetails;
use rayon::prelude::*;
use rpm::signature::pgp::{Signer, Verifier};
use rpm::{
    BuildConfig, CompressionWithLevel, DigestAlgorithm, FileOptions, FileType, PackageBuilder,
    Timestamp,
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// RSA sizes a package signing key may have.
pub const SIGNING_KEY_BITS: [u32; 3] = [2048, 3072, 4096];

/// Gzip level of built payloads: level 6 (zlib's default) makes packages of a few files in a
/// fraction of level 9's time, at nearly its size.
const GZIP_LEVEL: u32 = 6;

fn invalid_package(e: impl std::fmt::Display) -> Error {
    Error::InvalidPackage(e.to_string())
}

/// An OpenPGP signing key (RSA, v4, a primary key that signs and certifies).
pub struct SigningKey {
    /// The transferable secret key, ASCII-armored.
    pub secret_armored: Zeroizing<String>,
    /// The transferable public key, ASCII-armored (what `rpm --import` reads).
    pub public_armored: String,
    /// The 64-bit key ID, 16 lower-case hex digits (what `rpm -K` and `rpm -qi` print).
    pub key_id: String,
    /// The v4 fingerprint, 40 lower-case hex digits.
    pub fingerprint: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// A new RSA signing key of `bits` (2048, 3072, 4096) for the user ID `user_id`
/// (`"Name <mail>"`), created at `created` (seconds since the epoch).
pub fn generate_signing_key(user_id: &str, bits: u32, created: u32) -> Result<SigningKey> {
    if !SIGNING_KEY_BITS.contains(&bits) {
        return Err(Error::KeySize {
            algorithm: "RSA",
            bits: i64::from(bits),
            allowed: "2048, 3072 or 4096",
        });
    }
    if user_id.trim().is_empty() || user_id.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "not an OpenPGP user ID: {user_id:?}"
        )));
    }
    let params = SecretKeyParamsBuilder::default()
        .key_type(KeyType::Rsa(bits))
        .can_certify(true)
        .can_sign(true)
        .primary_user_id(user_id.to_string())
        .created_at(pgp::types::Timestamp::from_secs(created))
        .build()
        .map_err(Error::backend)?;
    let secret = params.generate(rand::rngs::OsRng).map_err(Error::backend)?;
    let public = SignedPublicKey::from(secret.clone());
    let secret_armored = Zeroizing::new(
        secret
            .to_armored_string(ArmorOptions::default())
            .map_err(Error::backend)?,
    );
    let public_armored = public
        .to_armored_string(ArmorOptions::default())
        .map_err(Error::backend)?;
    Ok(SigningKey {
        secret_armored,
        public_armored,
        key_id: hex::encode(secret.legacy_key_id().as_ref()),
        fingerprint: hex::encode(secret.fingerprint().as_bytes()),
    })
}

/// The key ID (16 hex digits) of an armored public or secret key.
pub fn key_id_of(armored: &str) -> Result<String> {
    if armored.contains("PRIVATE KEY BLOCK") {
        let (key, _) = SignedSecretKey::from_string(armored).map_err(Error::invalid_key)?;
        return Ok(hex::encode(key.legacy_key_id().as_ref()));
    }
    let (key, _) = SignedPublicKey::from_string(armored).map_err(Error::invalid_key)?;
    Ok(hex::encode(key.legacy_key_id().as_ref()))
}

/// One regular file of a package to build.
#[derive(Debug, Clone)]
pub struct FileSpec {
    /// Absolute path on the target system (`/opt/cisco/XR/packages/<nvr>/bin/x`).
    pub path: String,
    pub content: Vec<u8>,
    /// Permission bits (0o755, 0o644, ...).
    pub mode: u16,
    pub user: String,
    pub group: String,
}

/// One directory a package owns.
#[derive(Debug, Clone)]
pub struct DirSpec {
    pub path: String,
    pub mode: u16,
    pub user: String,
    pub group: String,
}

/// What a package to build holds.
#[derive(Debug, Clone)]
pub struct PackageSpec {
    pub name: String,
    pub version: String,
    pub release: String,
    pub arch: String,
    pub summary: String,
    pub description: String,
    pub license: String,
    pub vendor: String,
    /// Build time and every file's modification time (seconds since the epoch): the same
    /// spec and key give the same header.
    pub build_time: u32,
    pub dirs: Vec<DirSpec>,
    pub files: Vec<FileSpec>,
}

fn check_target_path(path: &str) -> Result<()> {
    let p = Path::new(path);
    let normal = p.is_absolute()
        && p.components()
            .skip(1)
            .all(|c| matches!(c, Component::Normal(_)))
        && p.components().count() > 1
        && !path.ends_with('/');
    if normal {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "not an absolute normalized file path: {path:?}"
        )))
    }
}

/// The package bytes of `spec`, signed by `secret_armored` when given.
pub fn build(spec: &PackageSpec, secret_armored: Option<&str>) -> Result<Vec<u8>> {
    let config = BuildConfig::v4()
        .compression(CompressionWithLevel::Gzip(GZIP_LEVEL))
        .source_date(spec.build_time);
    let mut builder = PackageBuilder::new(
        &spec.name,
        &spec.version,
        &spec.license,
        &spec.arch,
        &spec.summary,
    );
    builder
        .using_config(config)
        .release(spec.release.clone())
        .description(spec.description.clone())
        .vendor(spec.vendor.clone())
        .build_host("xrsim-build");
    let stamp = Timestamp(spec.build_time);
    for d in &spec.dirs {
        check_target_path(&d.path)?;
        builder
            .with_dir_entry(
                FileOptions::dir(d.path.clone())
                    .permissions(d.mode)
                    .user(d.user.clone())
                    .group(d.group.clone())
                    .modified_at(stamp),
            )
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
    }
    for f in &spec.files {
        check_target_path(&f.path)?;
        builder
            .with_file_contents(
                f.content.clone(),
                FileOptions::new(f.path.clone())
                    .permissions(f.mode)
                    .user(f.user.clone())
                    .group(f.group.clone())
                    .modified_at(stamp),
            )
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
    }
    let package = match secret_armored {
        Some(asc) => {
            let signer = Signer::from_asc(asc).map_err(Error::invalid_key)?;
            builder.build_and_sign(signer)
        }
        None => builder.build(),
    }
    .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let mut out = Vec::with_capacity(package.payload.len() + 8192);
    package.write(&mut out).map_err(Error::backend)?;
    Ok(out)
}

/// One file entry of a package header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub path: String,
    /// The header's file digest (lower-case hex), empty for directories and links.
    pub digest: String,
    pub size: u64,
    /// `st_mode` as the header stores it (file type and permission bits).
    pub mode: u32,
    pub user: String,
    pub group: String,
    /// The target of a symbolic link, empty otherwise.
    pub linkto: String,
}

/// What a package's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInfo {
    pub name: String,
    pub version: String,
    pub release: String,
    pub arch: String,
    pub summary: String,
    pub vendor: String,
    pub build_time: u64,
    /// FILEDIGESTALGO as a PGP hash ID (1 MD5, 8 SHA-256, 10 SHA-512).
    pub digest_algorithm: u32,
    /// The key ID of the first signature (16 lower-case hex digits), None when unsigned.
    pub key_id: Option<String>,
    pub files: Vec<FileInfo>,
}

fn parse(data: &[u8]) -> Result<rpm::Package> {
    rpm::Package::parse(&mut Cursor::new(data)).map_err(invalid_package)
}

fn opt_str(r: std::result::Result<&str, rpm::Error>) -> String {
    r.map(str::to_string).unwrap_or_default()
}

/// The header of a package (its digests are not checked: see [`verify`]).
pub fn read(data: &[u8]) -> Result<PackageInfo> {
    info_of(&parse(data)?)
}

fn info_of(pkg: &rpm::Package) -> Result<PackageInfo> {
    let m = &pkg.metadata;
    let algorithm = match m.get_file_digest_algorithm() {
        Ok(a) => a as u32,
        Err(_) => DigestAlgorithm::Md5 as u32,
    };
    let mut files = Vec::new();
    for e in m.get_file_entries().map_err(invalid_package)? {
        files.push(FileInfo {
            path: e.path().to_string_lossy().into_owned(),
            digest: e
                .digest()
                .map(|d| d.as_hex().to_string())
                .unwrap_or_default(),
            size: e.size() as u64,
            mode: u32::from(e.mode().raw_mode()),
            user: e.user().to_string(),
            group: e.group().to_string(),
            linkto: e.linkto().unwrap_or("").to_string(),
        });
    }
    let key_id = m
        .signatures()
        .ok()
        .and_then(|sigs| sigs.iter().find_map(|s| s.key_id().map(str::to_string)))
        .map(|k| k.to_ascii_lowercase());
    Ok(PackageInfo {
        name: m.get_name().map_err(invalid_package)?.to_string(),
        version: m.get_version().map_err(invalid_package)?.to_string(),
        release: m.get_release().map_err(invalid_package)?.to_string(),
        arch: opt_str(m.get_arch()),
        summary: opt_str(m.get_summary()),
        vendor: opt_str(m.get_vendor()),
        build_time: m.get_build_time().unwrap_or(0),
        digest_algorithm: algorithm,
        key_id,
        files,
    })
}

/// Check the header and payload digests (`InvalidPackage` on a mismatch), then, when
/// `public_keys` is given, that a signature verifies with one of them (`InvalidSignature`
/// when none does, or the package is unsigned). Returns the header.
pub fn verify(data: &[u8], public_keys: Option<&[String]>) -> Result<PackageInfo> {
    let pkg = parse(data)?;
    pkg.verify_digests().map_err(invalid_package)?;
    if let Some(keys) = public_keys {
        let mut verifier = Verifier::new();
        for k in keys {
            verifier.load_from_asc(k).map_err(Error::invalid_key)?;
        }
        pkg.verify_signature(verifier)
            .map_err(|_| Error::InvalidSignature)?;
    }
    info_of(&pkg)
}

/// Every regular file of the payload, `(path, content)`, in payload order, each checked
/// against its header digest.
pub fn payload(data: &[u8]) -> Result<Vec<(String, Vec<u8>)>> {
    let pkg = parse(data)?;
    let mut out = Vec::new();
    for file in pkg.files().map_err(invalid_package)? {
        let file = file.map_err(invalid_package)?;
        if file.metadata.file_type() != FileType::Regular {
            continue;
        }
        let path = file.metadata.path().to_string_lossy().into_owned();
        let expected = file.metadata.digest().map(|d| d.as_hex().to_string());
        let content = file.into_content().unwrap_or_default();
        check_digest(&path, expected.as_deref(), &content)?;
        out.push((path, content));
    }
    Ok(out)
}

fn check_digest(path: &str, expected: Option<&str>, content: &[u8]) -> Result<()> {
    if let Some(want) = expected {
        if !want.is_empty() && want.len() == 64 && hex::encode(Sha256::digest(content)) != want {
            return Err(Error::InvalidPackage(format!(
                "{path}: content does not match its digest in the header"
            )));
        }
    }
    Ok(())
}

fn io_err(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

fn relative(path: &str) -> Result<PathBuf> {
    let p = Path::new(path);
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::RootDir => {}
            Component::Normal(n) => out.push(n),
            _ => {
                return Err(Error::InvalidPackage(format!(
                    "file path {path:?} is not absolute and normalized"
                )))
            }
        }
    }
    if out.as_os_str().is_empty() || !p.is_absolute() {
        return Err(Error::InvalidPackage(format!(
            "file path {path:?} is not absolute and normalized"
        )));
    }
    Ok(out)
}

/// The process's umask, read once from `/proc/self/status` (Linux 4.7 and later); None when
/// it cannot be read (then every mode is set explicitly).
fn umask() -> Option<u32> {
    static UMASK: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("Umask:"))?;
        u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
    })
}

/// Whether a file or directory made with `mode` gets exactly `mode` (the umask takes none of
/// its bits): then no `chmod` is needed.
fn kept_by_umask(mode: u32) -> bool {
    umask().is_some_and(|m| mode & 0o7777 & m == 0 && mode & 0o7000 == 0)
}

/// Directories seen or made during one extraction below one root: `true` for those made
/// now (empty, so nothing is in the way of what goes into them).
type Made = std::collections::HashMap<PathBuf, bool>;

fn new_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .mode(0o755)
        .create(path)
        .map_err(|e| io_err(path, e))
}

/// Make `rel`'s directories below `root` (mode 0755 where new), refusing a symbolic link on
/// the way (it could lead out of the root).
fn make_dirs(root: &Path, rel: &Path, made: &mut Made) -> Result<()> {
    let mut cur = root.to_path_buf();
    for c in rel.components() {
        cur.push(c);
        if made.contains_key(&cur) {
            continue;
        }
        let fresh = match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_dir() => false,
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::InvalidInput(format!(
                    "{}: a symbolic link where a directory belongs",
                    cur.display()
                )))
            }
            Ok(_) => {
                // A file where the package has a directory: the package's layout wins.
                fs::remove_file(&cur).map_err(|e| io_err(&cur, e))?;
                new_dir(&cur)?;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                new_dir(&cur)?;
                true
            }
            Err(e) => return Err(io_err(&cur, e)),
        };
        made.insert(cur.clone(), fresh);
    }
    Ok(())
}

/// Write a file anew (a symbolic link or file in the way is replaced, never followed);
/// `fresh`: its directory was made by this extraction, so nothing is in the way.
fn write_new(path: &Path, content: &[u8], mode: u32, fresh: bool) -> Result<()> {
    if !fresh {
        match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_dir() => {
                fs::remove_dir_all(path).map_err(|e| io_err(path, e))?
            }
            Ok(_) => fs::remove_file(path).map_err(|e| io_err(path, e))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(path, e)),
        }
    }
    let opened = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o7777)
        .open(path);
    let mut f = match opened {
        // Something is there after all (two packages sharing a directory): replace it.
        Err(e) if fresh && e.kind() == io::ErrorKind::AlreadyExists => {
            return write_new(path, content, mode, false)
        }
        other => other.map_err(|e| io_err(path, e))?,
    };
    f.write_all(content).map_err(|e| io_err(path, e))?;
    if !kept_by_umask(mode) {
        // The umask took bits away: the header's mode is the file's mode.
        f.set_permissions(fs::Permissions::from_mode(mode & 0o7777))
            .map_err(|e| io_err(path, e))?;
    }
    Ok(())
}

/// One payload entry, checked and ready to write below a root.
enum Item {
    Dir(PathBuf, u32),
    File(PathBuf, Vec<u8>, u32),
    Link(PathBuf, String),
}

/// Parse a package, check its digests and every file against its header digest, and list
/// what extraction writes.
fn prepare(data: &[u8]) -> Result<Vec<Item>> {
    let pkg = parse(data)?;
    pkg.verify_digests().map_err(invalid_package)?;
    let mut items = Vec::new();
    for file in pkg.files().map_err(invalid_package)? {
        let file = file.map_err(invalid_package)?;
        let meta = &file.metadata;
        let path = meta.path().to_string_lossy().into_owned();
        let rel = relative(&path)?;
        let mode = u32::from(meta.permissions());
        match meta.file_type() {
            FileType::Dir => items.push(Item::Dir(rel, mode)),
            FileType::Regular => {
                let content = file.content().unwrap_or_default().to_vec();
                check_digest(&path, meta.digest().map(|d| d.as_hex()), &content)?;
                items.push(Item::File(rel, content, mode));
            }
            FileType::SymbolicLink => {
                items.push(Item::Link(rel, meta.linkto().unwrap_or("").to_string()));
            }
            _ => {}
        }
    }
    Ok(items)
}

/// Packages checked and listed by [`prepare`], by the SHA-256 of their bytes (at most
/// [`PREPARED_MAX`]; the cache is emptied when full).
type PreparedCache = HashMap<[u8; 32], Arc<Vec<Item>>>;
static PREPARED: Mutex<Option<PreparedCache>> = Mutex::new(None);
const PREPARED_MAX: usize = 64;

/// [`prepare`], once per package content in this process.
fn prepared(data: &[u8]) -> Result<Arc<Vec<Item>>> {
    let digest: [u8; 32] = Sha256::digest(data).into();
    let lookup =
        |cache: &mut Option<PreparedCache>| cache.as_ref().and_then(|m| m.get(&digest).cloned());
    if let Some(items) = lookup(&mut PREPARED.lock().unwrap_or_else(|e| e.into_inner())) {
        return Ok(items);
    }
    let items = Arc::new(prepare(data)?);
    let mut cache = PREPARED.lock().unwrap_or_else(|e| e.into_inner());
    let map = cache.get_or_insert_with(HashMap::new);
    if map.len() >= PREPARED_MAX {
        map.clear();
    }
    map.insert(digest, Arc::clone(&items));
    Ok(items)
}

/// Write prepared items below one root; the number of regular files written.
fn write_items(root: &Path, items: &[Item], made: &mut Made) -> Result<usize> {
    let mut files = 0;
    for item in items {
        match item {
            Item::Dir(rel, mode) => {
                make_dirs(root, rel, made)?;
                let p = root.join(rel);
                // A directory made now has 0o755 less the umask.
                if !(made.get(&p) == Some(&true) && *mode == 0o755 && kept_by_umask(*mode)) {
                    fs::set_permissions(&p, fs::Permissions::from_mode(*mode))
                        .map_err(|e| io_err(&p, e))?;
                }
            }
            Item::File(rel, content, mode) => {
                let parent = rel.parent().unwrap_or(Path::new(""));
                make_dirs(root, parent, made)?;
                let fresh = made.get(&root.join(parent)) == Some(&true);
                write_new(&root.join(rel), content, *mode, fresh)?;
                files += 1;
            }
            Item::Link(rel, target) => {
                if let Some(parent) = rel.parent() {
                    make_dirs(root, parent, made)?;
                }
                let p = root.join(rel);
                if fs::symlink_metadata(&p).is_ok() {
                    fs::remove_file(&p).map_err(|e| io_err(&p, e))?;
                }
                std::os::unix::fs::symlink(target, &p).map_err(|e| io_err(&p, e))?;
            }
        }
    }
    Ok(files)
}

/// Extract the payload under every root in `roots` (a node root each: the header's absolute
/// paths are taken below it). The whole payload is decompressed and checked against the
/// header digests before anything is written. Directories get their header modes, regular
/// files their content and modes, symbolic links their targets; ownership is not changed.
/// Returns the number of regular files written per root.
pub fn extract(data: &[u8], roots: &[PathBuf]) -> Result<usize> {
    let items = prepare(data)?;
    let mut files = 0;
    for root in roots {
        files = write_items(root, &items, &mut Made::new())?;
    }
    Ok(files)
}

/// [`extract`] of several packages under several roots at once: every package is checked
/// first (in parallel), then the roots are written in parallel (each root its packages in
/// order). Nothing is written unless every package checks. Returns the files written per
/// root of each package.
///
/// One root (a router's one XR node, what most first boots extract): all of it in the calling
/// thread, no pool (rayon's global pool may be busy: waiting for it costs more than the work).
/// Packages already checked by this process (the same bytes: one platform's packages, extracted
/// on a thousand routers of a lab) are not parsed, decompressed and checked again.
pub fn extract_many(packages: &[&[u8]], roots: &[PathBuf]) -> Result<Vec<usize>> {
    let write_root = |prepared: &[Arc<Vec<Item>>], root: &PathBuf| {
        let mut made = Made::new();
        prepared
            .iter()
            .map(|items| write_items(root, items, &mut made))
            .collect::<Result<Vec<usize>>>()
    };
    let counts: Vec<Vec<usize>> = if roots.len() <= 1 {
        let prepared = packages
            .iter()
            .map(|data| prepared(data))
            .collect::<Result<Vec<_>>>()?;
        roots
            .iter()
            .map(|root| write_root(&prepared, root))
            .collect::<Result<_>>()?
    } else {
        crate::pool::install(|| {
            let prepared = packages
                .par_iter()
                .map(|data| prepared(data))
                .collect::<Result<Vec<_>>>()?;
            roots
                .par_iter()
                .map(|root| write_root(&prepared, root))
                .collect::<Result<_>>()
        })?
    };
    Ok((0..packages.len())
        .map(|i| counts.first().map_or(0, |c| c[i]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PackageSpec {
        let base = "/opt/cisco/XR/packages/demo-1.0.0-r1";
        PackageSpec {
            name: "demo".into(),
            version: "1.0.0".into(),
            release: "r1".into(),
            arch: "x86_64".into(),
            summary: "a demo".into(),
            description: "a demo package".into(),
            license: "Proprietary".into(),
            vendor: "xrsim".into(),
            build_time: 1_600_000_000,
            dirs: vec![DirSpec {
                path: base.into(),
                mode: 0o755,
                user: "root".into(),
                group: "root".into(),
            }],
            files: vec![
                FileSpec {
                    path: format!("{base}/bin/tool"),
                    content: b"#!/bin/sh\necho tool\n".to_vec(),
                    mode: 0o755,
                    user: "root".into(),
                    group: "root".into(),
                },
                FileSpec {
                    path: format!("{base}/etc/tool.conf"),
                    content: b"key = value\n".to_vec(),
                    mode: 0o644,
                    user: "root".into(),
                    group: "root".into(),
                },
            ],
        }
    }

    #[test]
    fn build_read_verify_extract() {
        let key = generate_signing_key("xrsim test <t@example.com>", 2048, 1_600_000_000).unwrap();
        assert_eq!(key.key_id.len(), 16);
        assert_eq!(key_id_of(&key.public_armored).unwrap(), key.key_id);
        let data = build(&spec(), Some(key.secret_armored.as_str())).unwrap();
        let info = read(&data).unwrap();
        assert_eq!(info.name, "demo");
        assert_eq!(info.digest_algorithm, 8);
        assert_eq!(info.key_id.as_deref(), Some(key.key_id.as_str()));
        let tool = info
            .files
            .iter()
            .find(|f| f.path.ends_with("bin/tool"))
            .unwrap();
        assert_eq!(
            tool.digest,
            hex::encode(Sha256::digest(b"#!/bin/sh\necho tool\n"))
        );
        assert_eq!(tool.mode & 0o7777, 0o755);
        verify(&data, Some(std::slice::from_ref(&key.public_armored))).unwrap();
        let other = generate_signing_key("other <o@example.com>", 2048, 1_600_000_000).unwrap();
        assert!(matches!(
            verify(&data, Some(&[other.public_armored])),
            Err(Error::InvalidSignature)
        ));
        let mut bad = data.clone();
        let n = bad.len();
        bad[n - 20] ^= 0x55;
        assert!(verify(&bad, None).is_err());

        let dir = std::env::temp_dir().join(format!("xrsim-rpm-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let roots = vec![dir.join("a"), dir.join("b")];
        for r in &roots {
            fs::create_dir_all(r).unwrap();
        }
        assert_eq!(extract(&data, &roots).unwrap(), 2);
        let more = vec![dir.join("c"), dir.join("d")];
        for r in &more {
            fs::create_dir_all(r).unwrap();
        }
        assert_eq!(extract_many(&[&data, &data], &more).unwrap(), vec![2, 2]);
        assert!(dir
            .join("d/opt/cisco/XR/packages/demo-1.0.0-r1/bin/tool")
            .is_file());
        let got =
            fs::read(dir.join("b/opt/cisco/XR/packages/demo-1.0.0-r1/etc/tool.conf")).unwrap();
        assert_eq!(got, b"key = value\n");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unsigned_and_garbage() {
        let data = build(&spec(), None).unwrap();
        assert_eq!(read(&data).unwrap().key_id, None);
        assert!(matches!(
            verify(&data, Some(&[])),
            Err(Error::InvalidSignature)
        ));
        assert!(matches!(read(b"not an rpm"), Err(Error::InvalidPackage(_))));
    }
}
