//! Linux IMA measurement lists (FORMATS.md; kernel `security/integrity/ima/`): [`ImaLog`]
//! builds one (template `ima-ng`, PCR 10, SHA-1 and SHA-256 banks), [`parse`] reads a
//! `binary_runtime_measurements` list and [`replay`] recomputes its PCR values.
//!
//! An [`ImaLog`] keeps the binary list itself (the kernel's `binary_runtime_measurements`
//! bytes, little-endian), the start of each entry in it, each entry's SHA-256 template hash
//! (the binary list holds only the SHA-1 one) and the two PCR 10 banks. Entry 0 is
//! `boot_aggregate` with an all-zero SHA-256 digest (no TPM). [`ImaLog::append_many`] writes
//! the entries, hashes their template data on every core, then extends the PCRs in order.
//!
//! Template data (`ima-ng` = `d-ng|n-ng`, each field `u32 len` + bytes): `d-ng` is
//! `sha256:\0` + digest, `n-ng` the path (spaces replaced by `_`, as the kernel stores it) + NUL.
//! The template hash of a bank is that bank's hash over the template data; PCR 10 is extended
//! `PCR = H(PCR || template hash)`. A violation stores an all-zero template digest and a
//! `d-ng` of `sha256:\0` + 20 zero bytes, and extends each bank with 0xFF bytes.

use std::collections::BTreeMap;

use rayon::prelude::*;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The PCR IMA extends.
pub const PCR_INDEX: u32 = 10;
/// The template every entry of an [`ImaLog`] uses.
pub const TEMPLATE: &str = "ima-ng";
/// The first entry's file name.
pub const BOOT_AGGREGATE: &str = "boot_aggregate";
/// TPM 2.0 has PCRs 0..=23.
pub const PCR_COUNT: u32 = 24;

const D_NG_SHA256: &[u8] = b"sha256:\0";
/// Size of the digest room of a violation's `d-ng` (the kernel's IMA_DIGEST_SIZE).
const VIOLATION_DIGEST_LEN: usize = 20;
/// Offset of the template data in an `ima-ng` entry: pcr, SHA-1, name length, name, data length.
const HEADER_LEN: usize = 4 + 20 + 4 + TEMPLATE.len() + 4;
/// Below this many events a batch is hashed on the calling thread.
const PAR_MIN: usize = 512;

/// The values of one PCR in both banks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pcrs {
    pub sha1: [u8; 20],
    pub sha256: [u8; 32],
}

impl Default for Pcrs {
    /// The reset value: all zeros.
    fn default() -> Self {
        Pcrs {
            sha1: [0; 20],
            sha256: [0; 32],
        }
    }
}

impl Pcrs {
    /// `PCR = H(PCR || template hash)` in each bank.
    pub fn extend(&mut self, sha1: &[u8; 20], sha256: &[u8; 32]) {
        let mut h = Sha1::new();
        h.update(self.sha1);
        h.update(sha1);
        self.sha1 = h.finalize().into();
        let mut h = Sha256::new();
        h.update(self.sha256);
        h.update(sha256);
        self.sha256 = h.finalize().into();
    }

    /// A violation: each bank is extended with 0xFF repeated to its digest size.
    pub fn extend_violation(&mut self) {
        self.extend(&[0xff; 20], &[0xff; 32]);
    }
}

/// One parsed entry of a measurement list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub pcr: u32,
    pub template: String,
    /// The SHA-1 template digest as the binary list stores it (zeros for a violation).
    pub template_hash: [u8; 20],
    /// SHA-256 over the template data (zeros for a violation).
    pub template_hash_sha256: [u8; 32],
    /// The `d-ng` algorithm name, e.g. `sha256`.
    pub digest_algorithm: String,
    pub digest: Vec<u8>,
    /// The `n-ng` name without its NUL (as stored: spaces are `_`).
    pub path: Vec<u8>,
    /// The `sig` field of `ima-sig` (empty for `ima-ng`).
    pub signature: Vec<u8>,
    pub violation: bool,
}

impl Entry {
    /// The entry's line in the ASCII list (`ascii_runtime_measurements`), with its newline.
    pub fn write_ascii(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(format!("{:2} ", self.pcr).as_bytes());
        out.extend_from_slice(hex::encode(self.template_hash).as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.template.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.digest_algorithm.as_bytes());
        out.push(b':');
        out.extend_from_slice(hex::encode(&self.digest).as_bytes());
        out.push(b' ');
        out.extend_from_slice(&self.path);
        if self.template == "ima-sig" {
            // The kernel writes the separator even for an empty field.
            out.push(b' ');
            out.extend_from_slice(hex::encode(&self.signature).as_bytes());
        }
        out.push(b'\n');
    }
}

/// Where the pieces of one entry lie in a binary list.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    data_start: usize,
    end: usize,
}

/// A list's entry boundaries and its fields, found without hashing.
struct Raw<'a> {
    span: Span,
    pcr: u32,
    digest: [u8; 20],
    template: &'a str,
    fields: Vec<&'a [u8]>,
}

fn invalid(what: String) -> Error {
    Error::InvalidInput(what)
}

fn take<'a>(buf: &'a [u8], pos: &mut usize, n: usize, what: &str) -> Result<&'a [u8]> {
    let end = pos
        .checked_add(n)
        .filter(|e| *e <= buf.len())
        .ok_or_else(|| {
            invalid(format!(
                "measurement list truncated in {what} at byte {pos}"
            ))
        })?;
    let s = &buf[*pos..end];
    *pos = end;
    Ok(s)
}

fn take_u32(buf: &[u8], pos: &mut usize, what: &str) -> Result<u32> {
    let b = take(buf, pos, 4, what)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Splits a binary list into entries and their template fields (structure only).
fn split(buf: &[u8]) -> Result<Vec<Raw<'_>>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        let n = out.len();
        let pcr = take_u32(buf, &mut pos, "the PCR index")?;
        if pcr >= PCR_COUNT {
            return Err(invalid(format!("entry {n}: PCR index {pcr} out of range")));
        }
        let mut digest = [0u8; 20];
        digest.copy_from_slice(take(buf, &mut pos, 20, "the template digest")?);
        let name_len = take_u32(buf, &mut pos, "the template name length")? as usize;
        if name_len == 0 || name_len > 255 {
            return Err(invalid(format!(
                "entry {n}: template name length {name_len} out of range"
            )));
        }
        let name = take(buf, &mut pos, name_len, "the template name")?;
        let template = std::str::from_utf8(name)
            .ok()
            .filter(|t| matches!(*t, "ima-ng" | "ima-sig"))
            .ok_or_else(|| {
                invalid(format!(
                    "entry {n}: unsupported template {:?} (ima-ng and ima-sig are)",
                    String::from_utf8_lossy(name)
                ))
            })?;
        let data_len = take_u32(buf, &mut pos, "the template data length")? as usize;
        let data_start = pos;
        let data = take(buf, &mut pos, data_len, "the template data")?;
        let want = if template == "ima-sig" { 3 } else { 2 };
        let mut fields = Vec::with_capacity(want);
        let mut fpos = 0;
        while fpos < data.len() {
            let len = take_u32(data, &mut fpos, "a template field length")
                .map_err(|_| invalid(format!("entry {n}: template data field overruns")))?
                as usize;
            let f = take(data, &mut fpos, len, "a template field")
                .map_err(|_| invalid(format!("entry {n}: template data field overruns")))?;
            fields.push(f);
        }
        if fields.len() != want {
            return Err(invalid(format!(
                "entry {n}: {template} has {want} fields, found {}",
                fields.len()
            )));
        }
        out.push(Raw {
            span: Span {
                start,
                data_start,
                end: pos,
            },
            pcr,
            digest,
            template,
            fields,
        });
    }
    Ok(out)
}

fn entry_of(n: usize, raw: &Raw<'_>, sha256: [u8; 32]) -> Result<Entry> {
    let d = raw.fields[0];
    let colon = d
        .iter()
        .position(|&c| c == b':')
        .filter(|&i| i > 0 && d.get(i + 1) == Some(&0))
        .ok_or_else(|| invalid(format!("entry {n}: d-ng field is not \"<algorithm>:\\0\"")))?;
    let algorithm = std::str::from_utf8(&d[..colon])
        .map_err(|_| invalid(format!("entry {n}: d-ng algorithm is not text")))?;
    let name = raw.fields[1];
    if name.last() != Some(&0) || name[..name.len() - 1].contains(&0) {
        return Err(invalid(format!(
            "entry {n}: n-ng field is not one NUL-terminated name"
        )));
    }
    let violation = raw.digest == [0; 20];
    Ok(Entry {
        pcr: raw.pcr,
        template: raw.template.to_owned(),
        template_hash: raw.digest,
        template_hash_sha256: if violation { [0; 32] } else { sha256 },
        digest_algorithm: algorithm.to_owned(),
        digest: d[colon + 2..].to_vec(),
        path: name[..name.len() - 1].to_vec(),
        signature: raw.fields.get(2).map(|s| s.to_vec()).unwrap_or_default(),
        violation,
    })
}

fn hash_pair(data: &[u8]) -> ([u8; 20], [u8; 32]) {
    (Sha1::digest(data).into(), Sha256::digest(data).into())
}

/// Template hashes of each entry's data, on every core for long lists.
fn hash_spans(buf: &[u8], spans: &[Span]) -> Vec<([u8; 20], [u8; 32])> {
    let one = |s: &Span| hash_pair(&buf[s.data_start..s.end]);
    if spans.len() < PAR_MIN {
        spans.iter().map(one).collect()
    } else {
        spans.par_iter().with_min_len(256).map(one).collect()
    }
}

/// Parses a binary measurement list (`ima-ng` and `ima-sig` entries).
pub fn parse(binary: &[u8]) -> Result<Vec<Entry>> {
    let raws = split(binary)?;
    let spans: Vec<Span> = raws.iter().map(|r| r.span).collect();
    let hashes = hash_spans(binary, &spans);
    raws.iter()
        .zip(hashes)
        .enumerate()
        .map(|(n, (r, (_, h256)))| entry_of(n, r, h256))
        .collect()
}

/// Checks every stored SHA-1 template digest against its data and replays the list: the
/// value of every PCR it extends, in both banks. A digest that does not match its data (a
/// tampered list) is `InvalidInput` naming the entry.
pub fn replay(binary: &[u8]) -> Result<BTreeMap<u32, Pcrs>> {
    let raws = split(binary)?;
    let spans: Vec<Span> = raws.iter().map(|r| r.span).collect();
    let hashes = hash_spans(binary, &spans);
    let mut pcrs: BTreeMap<u32, Pcrs> = BTreeMap::new();
    for (n, (r, (h1, h256))) in raws.iter().zip(hashes).enumerate() {
        let pcr = pcrs.entry(r.pcr).or_default();
        if r.digest == [0; 20] {
            pcr.extend_violation();
        } else if r.digest == h1 {
            pcr.extend(&h1, &h256);
        } else {
            let name = r.fields[1];
            return Err(invalid(format!(
                "entry {n} ({}): template digest does not match its data",
                String::from_utf8_lossy(&name[..name.len().saturating_sub(1)])
            )));
        }
    }
    Ok(pcrs)
}

/// One measurement list of PCR 10 (see the module documentation).
#[derive(Debug, Clone)]
pub struct ImaLog {
    list: Vec<u8>,
    spans: Vec<Span>,
    sha256: Vec<[u8; 32]>,
    pcrs: Pcrs,
}

impl Default for ImaLog {
    fn default() -> Self {
        Self::new()
    }
}

fn check_path(path: &[u8]) -> Result<()> {
    if path.is_empty() || path.contains(&0) {
        return Err(invalid(format!(
            "IMA event name must be non-empty and hold no NUL: {:?}",
            String::from_utf8_lossy(path)
        )));
    }
    if path.len() > u32::MAX as usize / 2 {
        return Err(invalid("IMA event name too long".to_owned()));
    }
    Ok(())
}

fn check_digest(path: &[u8], digest: &[u8]) -> Result<()> {
    if digest.len() != 32 {
        return Err(invalid(format!(
            "IMA event {}: a SHA-256 digest is 32 bytes, not {}",
            String::from_utf8_lossy(path),
            digest.len()
        )));
    }
    Ok(())
}

impl ImaLog {
    /// A list holding only `boot_aggregate` (no TPM: an all-zero SHA-256 digest).
    pub fn new() -> Self {
        let mut log = ImaLog {
            list: Vec::new(),
            spans: Vec::new(),
            sha256: Vec::new(),
            pcrs: Pcrs::default(),
        };
        log.push_one(BOOT_AGGREGATE.as_bytes(), Some(&[0; 32]));
        log
    }

    /// Rebuilds a log from its binary list (as [`ImaLog::binary`] gave it): every entry must
    /// be an `ima-ng` entry of PCR 10 with a SHA-256 digest (or a violation), entry 0 must be
    /// `boot_aggregate`, and every template digest must match its data.
    pub fn from_binary(binary: &[u8]) -> Result<Self> {
        let entries = parse(binary)?;
        let raws = split(binary)?;
        match entries.first() {
            Some(e) if e.path == BOOT_AGGREGATE.as_bytes() && !e.violation => {}
            _ => return Err(invalid("entry 0 is not boot_aggregate".to_owned())),
        }
        for (n, e) in entries.iter().enumerate() {
            let want_len = if e.violation {
                VIOLATION_DIGEST_LEN
            } else {
                32
            };
            if e.pcr != PCR_INDEX
                || e.template != TEMPLATE
                || e.digest_algorithm != "sha256"
                || e.digest.len() != want_len
            {
                return Err(invalid(format!(
                    "entry {n}: not an ima-ng SHA-256 entry of PCR {PCR_INDEX}"
                )));
            }
        }
        let pcrs = replay(binary)?.get(&PCR_INDEX).copied().unwrap_or_default();
        Ok(ImaLog {
            list: binary.to_vec(),
            spans: raws.iter().map(|r| r.span).collect(),
            sha256: entries.iter().map(|e| e.template_hash_sha256).collect(),
            pcrs,
        })
    }

    /// Writes an entry with a zero template digest; returns its span.
    fn write(&mut self, path: &[u8], digest: Option<&[u8; 32]>) -> Span {
        let start = self.list.len();
        let d_len = D_NG_SHA256.len() + digest.map_or(VIOLATION_DIGEST_LEN, |d| d.len());
        let n_len = path.len() + 1;
        let data_len = 4 + d_len + 4 + n_len;
        let l = &mut self.list;
        l.reserve(HEADER_LEN + data_len);
        l.extend_from_slice(&PCR_INDEX.to_le_bytes());
        l.extend_from_slice(&[0; 20]);
        l.extend_from_slice(&(TEMPLATE.len() as u32).to_le_bytes());
        l.extend_from_slice(TEMPLATE.as_bytes());
        l.extend_from_slice(&(data_len as u32).to_le_bytes());
        let data_start = l.len();
        l.extend_from_slice(&(d_len as u32).to_le_bytes());
        l.extend_from_slice(D_NG_SHA256);
        match digest {
            Some(d) => l.extend_from_slice(d),
            None => l.extend_from_slice(&[0; VIOLATION_DIGEST_LEN]),
        }
        l.extend_from_slice(&(n_len as u32).to_le_bytes());
        let name_start = l.len();
        l.extend_from_slice(path);
        for c in &mut l[name_start..] {
            if *c == b' ' {
                *c = b'_';
            }
        }
        l.push(0);
        Span {
            start,
            data_start,
            end: l.len(),
        }
    }

    /// Stores the template hashes of a written entry and extends the PCRs.
    fn seal(&mut self, span: Span, hashes: Option<([u8; 20], [u8; 32])>) {
        match hashes {
            Some((h1, h256)) => {
                self.list[span.start + 4..span.start + 24].copy_from_slice(&h1);
                self.pcrs.extend(&h1, &h256);
                self.sha256.push(h256);
            }
            None => {
                self.pcrs.extend_violation();
                self.sha256.push([0; 32]);
            }
        }
        self.spans.push(span);
    }

    fn push_one(&mut self, path: &[u8], digest: Option<&[u8; 32]>) -> usize {
        let span = self.write(path, digest);
        let hashes = digest.map(|_| hash_pair(&self.list[span.data_start..span.end]));
        self.seal(span, hashes);
        self.spans.len() - 1
    }

    /// Measures one file: its node path and the SHA-256 of its content; the event's index.
    pub fn append(&mut self, path: &[u8], sha256: &[u8]) -> Result<usize> {
        check_path(path)?;
        check_digest(path, sha256)?;
        let mut d = [0u8; 32];
        d.copy_from_slice(sha256);
        Ok(self.push_one(path, Some(&d)))
    }

    /// Measures many files in order. Every event is checked before any is written, so a bad
    /// one leaves the log as it was.
    pub fn append_many<P: AsRef<[u8]> + Sync, D: AsRef<[u8]> + Sync>(
        &mut self,
        events: &[(P, D)],
    ) -> Result<()> {
        for (p, d) in events {
            check_path(p.as_ref())?;
            check_digest(p.as_ref(), d.as_ref())?;
        }
        let first = self.spans.len();
        let written: Vec<Span> = events
            .iter()
            .map(|(p, d)| {
                let mut digest = [0u8; 32];
                digest.copy_from_slice(d.as_ref());
                self.write(p.as_ref(), Some(&digest))
            })
            .collect();
        let hashes = hash_spans(&self.list, &written);
        self.spans.reserve(written.len());
        self.sha256.reserve(written.len());
        for (span, h) in written.into_iter().zip(hashes) {
            self.seal(span, Some(h));
        }
        debug_assert_eq!(self.spans.len(), first + events.len());
        Ok(())
    }

    /// Records a violation (a file opened for write while measured, or the reverse).
    pub fn append_violation(&mut self, path: &[u8]) -> Result<usize> {
        check_path(path)?;
        Ok(self.push_one(path, None))
    }

    /// Number of entries, `boot_aggregate` included.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Never true: `boot_aggregate` is always there.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Entry `i`, or `None` past the end.
    pub fn entry(&self, i: usize) -> Option<Entry> {
        let span = *self.spans.get(i)?;
        let raws = split(&self.list[span.start..span.end]).ok()?;
        let raw = raws.first()?;
        entry_of(i, raw, self.sha256[i]).ok()
    }

    /// Entries from `start` on (none when `start` is past the end).
    pub fn entries(&self, start: usize) -> Vec<Entry> {
        (start..self.len()).filter_map(|i| self.entry(i)).collect()
    }

    /// The binary list, as the kernel's `binary_runtime_measurements` gives it.
    pub fn binary(&self) -> &[u8] {
        &self.list
    }

    /// The ASCII list, as the kernel's `ascii_runtime_measurements` gives it (bytes: the
    /// names are the node paths' bytes).
    pub fn ascii(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.list.len() * 2);
        for e in self.entries(0) {
            e.write_ascii(&mut out);
        }
        out
    }

    /// PCR 10 in both banks.
    pub fn pcrs(&self) -> Pcrs {
        self.pcrs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(i: u8) -> [u8; 32] {
        [i; 32]
    }

    #[test]
    fn boot_aggregate_known_answer() {
        // Template data = u32 40 | "sha256:\0" | 32 zeros | u32 15 | "boot_aggregate\0"; the
        // hex values below were computed independently with Python's struct and hashlib.
        let log = ImaLog::new();
        let b = log.binary();
        let mut data = Vec::new();
        data.extend_from_slice(&40u32.to_le_bytes());
        data.extend_from_slice(b"sha256:\0");
        data.extend_from_slice(&[0; 32]);
        data.extend_from_slice(&15u32.to_le_bytes());
        data.extend_from_slice(b"boot_aggregate\0");
        let sha1 = "0adefe762c149c7cec19da62f0da1297fcfbffff";
        let mut want = Vec::new();
        want.extend_from_slice(&10u32.to_le_bytes());
        want.extend_from_slice(&hex::decode(sha1).unwrap());
        want.extend_from_slice(&6u32.to_le_bytes());
        want.extend_from_slice(b"ima-ng");
        want.extend_from_slice(&(data.len() as u32).to_le_bytes());
        want.extend_from_slice(&data);
        assert_eq!(b, &want[..]);
        let e = log.entry(0).unwrap();
        assert_eq!(
            hex::encode(e.template_hash_sha256),
            "36f1cd67a730bc4137870c4d00dbc7430b51b1ebdaa130744297cf65339078a0"
        );
        assert_eq!(
            hex::encode(log.pcrs().sha1),
            "5141100982188d48fb6fa0f19a8d27e3eabd703b"
        );
        assert_eq!(
            hex::encode(log.pcrs().sha256),
            "35d08f4de6c76c315d9ea3e5fea0305fc1e902506504f80d7c98d6d4e6e33072"
        );
    }

    #[test]
    fn batch_equals_one_by_one_and_replays() {
        let events: Vec<(String, [u8; 32])> = (0..2000u32)
            .map(|i| (format!("/opt/pkg/file {i}"), digest((i % 251) as u8)))
            .collect();
        let mut a = ImaLog::new();
        for (p, d) in &events {
            a.append(p.as_bytes(), d).unwrap();
        }
        a.append_violation(b"/tmp/v").unwrap();
        let mut b = ImaLog::new();
        b.append_many(&events).unwrap();
        b.append_violation(b"/tmp/v").unwrap();
        assert_eq!(a.binary(), b.binary());
        assert_eq!(a.pcrs(), b.pcrs());
        assert_eq!(a.len(), 2002);
        let replayed = replay(a.binary()).unwrap();
        assert_eq!(replayed.len(), 1);
        assert_eq!(replayed[&PCR_INDEX], a.pcrs());
        let e = a.entry(5).unwrap();
        assert_eq!(e.path, b"/opt/pkg/file_4");
        assert_eq!(e.digest, digest(4).to_vec());
        assert_eq!(e.template_hash_sha256, a.sha256[5]);
        let v = a.entry(2001).unwrap();
        assert!(v.violation);
        assert_eq!(v.digest, vec![0; 20]);
        assert_eq!(parse(a.binary()).unwrap(), a.entries(0));
        let again = ImaLog::from_binary(a.binary()).unwrap();
        assert_eq!(again.pcrs(), a.pcrs());
        assert_eq!(again.entries(0), a.entries(0));
    }

    #[test]
    fn bad_events_change_nothing() {
        let mut log = ImaLog::new();
        let before = log.binary().to_vec();
        let bad: Vec<(&[u8], &[u8])> = vec![(b"/ok", &[1u8; 32]), (b"/short", &[1u8; 31])];
        assert!(matches!(log.append_many(&bad), Err(Error::InvalidInput(_))));
        assert!(log.append(b"/a\0b", &[0; 32]).is_err());
        assert!(log.append_violation(b"").is_err());
        assert_eq!(log.binary(), &before[..]);
        assert_eq!(log.len(), 1);
    }

    #[test]
    fn tampered_and_truncated_lists_are_refused() {
        let mut log = ImaLog::new();
        log.append(b"/bin/x", &digest(7)).unwrap();
        let mut tampered = log.binary().to_vec();
        let last = tampered.len() - 10;
        tampered[last - 20] ^= 1; // inside the file digest of the last entry
        assert!(matches!(replay(&tampered), Err(Error::InvalidInput(_))));
        let b = log.binary();
        for cut in [1, 10, b.len() - 1] {
            assert!(matches!(replay(&b[..cut]), Err(Error::InvalidInput(_))));
            assert!(parse(&b[..cut]).is_err());
        }
    }

    #[test]
    fn ascii_lines() {
        let mut log = ImaLog::new();
        log.append(b"/usr/bin/a b", &digest(0xab)).unwrap();
        let text = String::from_utf8(log.ascii()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let e = log.entry(1).unwrap();
        assert_eq!(
            lines[0],
            format!(
                "10 {} ima-ng sha256:{} boot_aggregate",
                hex::encode(log.entry(0).unwrap().template_hash),
                "0".repeat(64)
            )
        );
        assert_eq!(
            lines[1],
            format!(
                "10 {} ima-ng sha256:{} /usr/bin/a_b",
                hex::encode(e.template_hash),
                "ab".repeat(32)
            )
        );
    }
}
