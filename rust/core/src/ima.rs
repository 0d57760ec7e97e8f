//! Linux IMA measurement lists (FORMATS.md; kernel `security/integrity/ima/`): [`ImaLog`]
//! builds one (template `ima-ng`, PCR 10, SHA-1 and SHA-256 banks), [`parse`] reads a
//! `binary_runtime_measurements` list and [`replay`] recomputes its PCR values.
//!
//! An [`ImaLog`] keeps the binary list itself (the kernel's `binary_runtime_measurements`
//! bytes, little-endian), the start of each entry in it, each entry's SHA-256 template hash
//! (the binary list holds only the SHA-1 one) and the two PCR 10 banks. Entry 0 is
//! `boot_aggregate` with an all-zero SHA-256 digest (no TPM). [`ImaLog::append_many`] writes
//! the entries, then hashes their template data and extends the PCRs on two cores: the two
//! banks' extend chains (sequential by nature) run side by side, and the template hashing of
//! the next chunk fills the time around them (`hash_and_extend`); [`replay`] does the same.
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
        self.sha1 = extend_sha1(&self.sha1, sha1);
        self.sha256 = extend_sha256(&self.sha256, sha256);
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
    /// `d-ng`, `n-ng` and (for `ima-sig`) `sig`; empty past the template's field count.
    fields: [&'a [u8]; 3],
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

/// The entries of a binary list one by one, structure only (no hashing); the first
/// malformed entry is an error and ends the walk.
struct Walk<'a> {
    buf: &'a [u8],
    pos: usize,
    n: usize,
    failed: bool,
}

fn walk(buf: &[u8]) -> Walk<'_> {
    Walk {
        buf,
        pos: 0,
        n: 0,
        failed: false,
    }
}

impl<'a> Walk<'a> {
    fn entry(&mut self) -> Result<Raw<'a>> {
        let (buf, n) = (self.buf, self.n);
        let pos = &mut self.pos;
        let start = *pos;
        let pcr = take_u32(buf, pos, "the PCR index")?;
        if pcr >= PCR_COUNT {
            return Err(invalid(format!("entry {n}: PCR index {pcr} out of range")));
        }
        let mut digest = [0u8; 20];
        digest.copy_from_slice(take(buf, pos, 20, "the template digest")?);
        let name_len = take_u32(buf, pos, "the template name length")? as usize;
        if name_len == 0 || name_len > 255 {
            return Err(invalid(format!(
                "entry {n}: template name length {name_len} out of range"
            )));
        }
        let name = take(buf, pos, name_len, "the template name")?;
        let template = match name {
            b"ima-ng" => "ima-ng",
            b"ima-sig" => "ima-sig",
            _ => {
                return Err(invalid(format!(
                    "entry {n}: unsupported template {:?} (ima-ng and ima-sig are)",
                    String::from_utf8_lossy(name)
                )))
            }
        };
        let data_len = take_u32(buf, pos, "the template data length")? as usize;
        let data_start = *pos;
        let data = take(buf, pos, data_len, "the template data")?;
        let want = if template == "ima-sig" { 3 } else { 2 };
        let mut fields: [&[u8]; 3] = [&[]; 3];
        let mut count = 0;
        let mut fpos = 0;
        while fpos < data.len() {
            let overrun = |_| invalid(format!("entry {n}: template data field overruns"));
            let len = take_u32(data, &mut fpos, "a template field length").map_err(overrun)?;
            let f = take(data, &mut fpos, len as usize, "a template field").map_err(overrun)?;
            if count < want {
                fields[count] = f;
            }
            count += 1;
        }
        if count != want {
            return Err(invalid(format!(
                "entry {n}: {template} has {want} fields, found {count}"
            )));
        }
        Ok(Raw {
            span: Span {
                start,
                data_start,
                end: *pos,
            },
            pcr,
            digest,
            template,
            fields,
        })
    }
}

impl<'a> Iterator for Walk<'a> {
    type Item = Result<Raw<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let r = self.entry();
        self.failed = r.is_err();
        self.n += 1;
        Some(r)
    }
}

/// Splits a binary list into entries and their template fields (structure only).
fn split(buf: &[u8]) -> Result<Vec<Raw<'_>>> {
    walk(buf).collect()
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
        signature: raw.fields[2].to_vec(),
        violation,
    })
}

fn hash_pair(data: &[u8]) -> ([u8; 20], [u8; 32]) {
    (Sha1::digest(data).into(), Sha256::digest(data).into())
}

fn extend_sha1(pcr: &[u8; 20], hash: &[u8; 20]) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(pcr);
    h.update(hash);
    h.finalize().into()
}

fn extend_sha256(pcr: &[u8; 32], hash: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(pcr);
    h.update(hash);
    h.finalize().into()
}

/// Entries a pipeline step hashes and extends: small enough that the two threads hand work
/// back and forth often, large enough that a step costs far more than the hand-over.
const CHUNK: usize = 4096;

/// The PCR values of one bank, by PCR index (`None`: not extended).
type Bank<const N: usize> = [Option<[u8; N]>; PCR_COUNT as usize];

/// Where the entries of a pipeline come from: written from events ([`Writer`]) or read from
/// a binary list ([`Reader`]).
trait Source: Send {
    /// Appends the spans of up to `count` more entries (none at the end).
    fn more(&mut self, count: usize, spans: &mut Vec<Span>) -> Result<()>;
    /// The list the spans point into.
    fn list(&self) -> &[u8];
    /// Whether the entry at `span` is a violation.
    fn violation(&self, span: &Span) -> bool;
}

/// Checks and writes events into a list.
struct Writer<'a, P, D> {
    list: &'a mut Vec<u8>,
    events: &'a [(P, D)],
    next: usize,
}

impl<P: AsRef<[u8]> + Sync, D: AsRef<[u8]> + Sync> Source for Writer<'_, P, D> {
    fn more(&mut self, count: usize, spans: &mut Vec<Span>) -> Result<()> {
        let end = (self.next + count).min(self.events.len());
        for (p, d) in &self.events[self.next..end] {
            let (p, d) = (p.as_ref(), d.as_ref());
            check_path(p)?;
            check_digest(p, d)?;
            let mut digest = [0u8; 32];
            digest.copy_from_slice(d);
            spans.push(write_entry(self.list, p, Some(&digest)));
        }
        self.next = end;
        Ok(())
    }

    fn list(&self) -> &[u8] {
        self.list
    }

    fn violation(&self, _: &Span) -> bool {
        false // the template digests are not written yet; events are never violations
    }
}

/// Walks a binary list.
struct Reader<'a> {
    walk: Walk<'a>,
}

impl Source for Reader<'_> {
    fn more(&mut self, count: usize, spans: &mut Vec<Span>) -> Result<()> {
        for r in self.walk.by_ref().take(count) {
            spans.push(r?.span);
        }
        Ok(())
    }

    fn list(&self) -> &[u8] {
        self.walk.buf
    }

    fn violation(&self, span: &Span) -> bool {
        self.walk.buf[span.start + 4..span.start + 24] == [0; 20]
    }
}

/// One chunk in the pipeline: its entries' PCR index and violation flag, and their template
/// hashes (zeros for violations).
struct Chunk {
    meta: Vec<(u8, bool)>,
    h1: Vec<[u8; 20]>,
    h256: Vec<[u8; 32]>,
}

/// One entry of a chunk being hashed: its span and meta, where its two hashes go.
type ChunkItem<'a> = (
    (&'a Span, &'a (u8, bool)),
    (&'a mut [u8; 20], &'a mut [u8; 32]),
);

/// Every entry of a pipeline: spans and template hashes.
struct Hashed {
    spans: Vec<Span>,
    h1: Vec<[u8; 20]>,
    h256: Vec<[u8; 32]>,
}

/// Reads or writes the next chunk of entries and hashes their template data (on every core
/// for a full chunk).
fn next_chunk(src: &mut impl Source, spans: &mut Vec<Span>) -> Result<Chunk> {
    let from = spans.len();
    src.more(CHUNK, spans)?;
    let list = src.list();
    let new = &spans[from..];
    let meta: Vec<(u8, bool)> = new
        .iter()
        .map(|s| (list[s.start], src.violation(s)))
        .collect();
    let mut h1 = vec![[0u8; 20]; new.len()];
    let mut h256 = vec![[0u8; 32]; new.len()];
    let one = |((s, m), (a, b)): ChunkItem<'_>| {
        if !m.1 {
            let data = &list[s.data_start..s.end];
            *a = Sha1::digest(data).into();
            *b = Sha256::digest(data).into();
        }
    };
    if new.len() < PAR_MIN {
        new.iter()
            .zip(&meta)
            .zip(h1.iter_mut().zip(h256.iter_mut()))
            .for_each(one);
    } else {
        crate::pool::install(|| {
            new.par_iter()
                .zip(meta.par_iter())
                .zip(h1.par_iter_mut().zip(h256.par_iter_mut()))
                .with_min_len(256)
                .for_each(one)
        });
    }
    Ok(Chunk { meta, h1, h256 })
}

fn chain<const N: usize>(
    meta: &[(u8, bool)],
    hashes: &[[u8; N]],
    bank: &mut Bank<N>,
    extend: fn(&[u8; N], &[u8; N]) -> [u8; N],
) {
    for (&(pcr, violation), h) in meta.iter().zip(hashes) {
        let value = bank[pcr as usize].get_or_insert([0; N]);
        *value = extend(value, if violation { &[0xff; N] } else { h });
    }
}

/// Template hashes and PCR chains of every entry `src` gives, on two cores; the spans and
/// template hashes of all entries, the banks extended.
///
/// Per entry there are four compressions of template hashing (two SHA-1, two SHA-256 over
/// about 100 bytes), which any thread may do, and three of extending (one SHA-1, two
/// SHA-256), which must go in order, bank by bank. The work goes in chunks: while one thread
/// extends the SHA-256 bank with chunk `c`, the other extends the SHA-1 bank with it, then
/// writes (or reads) chunk `c + 1` and hashes it, helped by the first as soon as that is done
/// (rayon work stealing). Both cores stay busy and nothing waits per entry.
fn hash_and_extend(
    src: &mut impl Source,
    bank1: &mut Bank<20>,
    bank256: &mut Bank<32>,
) -> Result<Hashed> {
    let mut spans = Vec::new();
    let (mut h1, mut h256) = (Vec::new(), Vec::new());
    crate::pool::install(|| {
        let mut cur = next_chunk(src, &mut spans)?;
        while !cur.meta.is_empty() {
            let (_, next) = rayon::join(
                || chain(&cur.meta, &cur.h256, bank256, extend_sha256),
                || {
                    chain(&cur.meta, &cur.h1, bank1, extend_sha1);
                    next_chunk(src, &mut spans)
                },
            );
            h1.extend_from_slice(&cur.h1);
            h256.extend_from_slice(&cur.h256);
            cur = next?;
        }
        Ok(())
    })?;
    Ok(Hashed { spans, h1, h256 })
}

/// SHA-256 template hashes of each entry's data (zeros for violations), on every core for
/// long lists.
fn sha256_spans(buf: &[u8], raws: &[Raw<'_>]) -> Vec<[u8; 32]> {
    let one = |r: &Raw<'_>| -> [u8; 32] {
        if r.digest == [0; 20] {
            [0; 32]
        } else {
            Sha256::digest(&buf[r.span.data_start..r.span.end]).into()
        }
    };
    if raws.len() < PAR_MIN {
        raws.iter().map(one).collect()
    } else {
        crate::pool::install(|| raws.par_iter().with_min_len(256).map(one).collect())
    }
}

/// Parses a binary measurement list (`ima-ng` and `ima-sig` entries).
pub fn parse(binary: &[u8]) -> Result<Vec<Entry>> {
    let raws = split(binary)?;
    let hashes = sha256_spans(binary, &raws);
    raws.iter()
        .zip(hashes)
        .enumerate()
        .map(|(n, (r, h256))| entry_of(n, r, h256))
        .collect()
}

/// Checks every stored SHA-1 template digest against its data and replays the list: the
/// value of every PCR it extends, in both banks. A digest that does not match its data (a
/// tampered list) is `InvalidInput` naming the entry.
pub fn replay(binary: &[u8]) -> Result<BTreeMap<u32, Pcrs>> {
    let mut bank1: Bank<20> = [None; PCR_COUNT as usize];
    let mut bank256: Bank<32> = [None; PCR_COUNT as usize];
    let mut reader = Reader { walk: walk(binary) };
    let Hashed { spans, h1, .. } = hash_and_extend(&mut reader, &mut bank1, &mut bank256)?;
    let stored = |s: &Span| &binary[s.start + 4..s.start + 24];
    if let Some(n) =
        (0..spans.len()).find(|&i| stored(&spans[i]) != [0; 20] && stored(&spans[i]) != h1[i])
    {
        let raw = walk(&binary[spans[n].start..spans[n].end]).next();
        let name = raw.and_then(|r| r.ok()).map(|r| r.fields[1]).unwrap_or(b"");
        return Err(invalid(format!(
            "entry {n} ({}): template digest does not match its data",
            String::from_utf8_lossy(&name[..name.len().saturating_sub(1)])
        )));
    }
    Ok(bank1
        .into_iter()
        .zip(bank256)
        .enumerate()
        .filter_map(|(i, (sha1, sha256))| {
            Some((
                i as u32,
                Pcrs {
                    sha1: sha1?,
                    sha256: sha256?,
                },
            ))
        })
        .collect())
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

/// Appends the `ima-ng` template data of one event to `out` (see the module documentation).
fn template_data(out: &mut Vec<u8>, path: &[u8], digest: Option<&[u8; 32]>) {
    let d_len = D_NG_SHA256.len() + digest.map_or(VIOLATION_DIGEST_LEN, |d| d.len());
    out.extend_from_slice(&(d_len as u32).to_le_bytes());
    out.extend_from_slice(D_NG_SHA256);
    match digest {
        Some(d) => out.extend_from_slice(d),
        None => out.extend_from_slice(&[0; VIOLATION_DIGEST_LEN]),
    }
    out.extend_from_slice(&((path.len() + 1) as u32).to_le_bytes());
    let name_start = out.len();
    out.extend_from_slice(path);
    for c in &mut out[name_start..] {
        if *c == b' ' {
            *c = b'_';
        }
    }
    out.push(0);
}

/// Length of an event's template data.
fn data_len(path: &[u8], digest: Option<&[u8; 32]>) -> usize {
    4 + D_NG_SHA256.len() + digest.map_or(VIOLATION_DIGEST_LEN, |d| d.len()) + 4 + path.len() + 1
}

/// Appends one binary-list entry with an all-zero template digest to `list`; its span.
fn write_entry(list: &mut Vec<u8>, path: &[u8], digest: Option<&[u8; 32]>) -> Span {
    let start = list.len();
    let len = data_len(path, digest);
    list.reserve(HEADER_LEN + len);
    list.extend_from_slice(&PCR_INDEX.to_le_bytes());
    list.extend_from_slice(&[0; 20]);
    list.extend_from_slice(&(TEMPLATE.len() as u32).to_le_bytes());
    list.extend_from_slice(TEMPLATE.as_bytes());
    list.extend_from_slice(&(len as u32).to_le_bytes());
    let data_start = list.len();
    template_data(list, path, digest);
    debug_assert_eq!(list.len() - data_start, len);
    Span {
        start,
        data_start,
        end: list.len(),
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
        write_entry(&mut self.list, path, digest)
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

    /// Measures many files in order; the hashing and extending go on two cores
    /// (`hash_and_extend`). A bad event leaves the log as it was (what was written before it
    /// is cut off again).
    pub fn append_many<P: AsRef<[u8]> + Sync, D: AsRef<[u8]> + Sync>(
        &mut self,
        events: &[(P, D)],
    ) -> Result<()> {
        let old_len = self.list.len();
        let bytes: usize = events
            .iter()
            .map(|(p, _)| HEADER_LEN + data_len(p.as_ref(), Some(&[0; 32])))
            .sum();
        self.list.reserve(bytes);
        let pcr = PCR_INDEX as usize;
        let mut bank1: Bank<20> = [None; PCR_COUNT as usize];
        let mut bank256: Bank<32> = [None; PCR_COUNT as usize];
        bank1[pcr] = Some(self.pcrs.sha1);
        bank256[pcr] = Some(self.pcrs.sha256);
        let mut writer = Writer {
            list: &mut self.list,
            events,
            next: 0,
        };
        let Hashed { spans, h1, h256 } =
            match hash_and_extend(&mut writer, &mut bank1, &mut bank256) {
                Ok(done) => done,
                Err(e) => {
                    self.list.truncate(old_len);
                    return Err(e);
                }
            };
        for (span, h) in spans.iter().zip(&h1) {
            self.list[span.start + 4..span.start + 24].copy_from_slice(h);
        }
        self.spans.extend(spans);
        self.sha256.extend(h256);
        self.pcrs = Pcrs {
            sha1: bank1[pcr].unwrap_or_default(),
            sha256: bank256[pcr].unwrap_or_default(),
        };
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
        // In a batch long enough for two threads, the bad event late in it.
        let mut long: Vec<(Vec<u8>, Vec<u8>)> = (0..2000u32)
            .map(|i| (format!("/f{i}").into_bytes(), vec![1u8; 32]))
            .collect();
        long[1500].0 = b"/nul\0".to_vec();
        assert!(matches!(
            log.append_many(&long),
            Err(Error::InvalidInput(_))
        ));
        long[1500].0 = b"/ok".to_vec();
        long[1999].1 = vec![1u8; 33];
        assert!(matches!(
            log.append_many(&long),
            Err(Error::InvalidInput(_))
        ));
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
