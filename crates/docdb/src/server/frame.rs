//! Wire frames: the message header, OP_MSG (2013), legacy OP_QUERY (2004)
//! and OP_REPLY (1). Pure byte handling, no sockets, so every malformed
//! input is a unit test away.
//!
//! Parsing is strict: a frame that lies about its lengths, carries an unknown
//! section kind or a required flag bit we do not know, or fails its CRC-32C
//! checksum is an error, and the connection layer closes the socket (as
//! mongod does) instead of guessing.

use bson::{Bson, Document};

pub const OP_REPLY: i32 = 1;
pub const OP_QUERY: i32 = 2004;
pub const OP_COMPRESSED: i32 = 2012;
pub const OP_MSG: i32 = 2013;
pub const HEADER_LEN: usize = 16;
/// The largest frame accepted (maxMessageSizeBytes from hello).
pub const MAX_MESSAGE_LEN: usize = 48_000_000;

pub const FLAG_CHECKSUM: u32 = 1;
/// On a request: send no reply. On a reply: more replies follow unasked.
pub const FLAG_MORE_TO_COME: u32 = 1 << 1;
/// On a request: the client accepts a stream of moreToCome replies.
pub const FLAG_EXHAUST_ALLOWED: u32 = 1 << 16;
/// Bits 0-15 are "required": an unknown one must be refused. Bits 16-31 are
/// optional: unknown ones are ignored (OP_MSG spec, flagBits).
const KNOWN_REQUIRED: u32 = FLAG_CHECKSUM | FLAG_MORE_TO_COME;

/// The 16-byte header of every message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header {
    pub length: usize,
    pub request_id: i32,
    pub response_to: i32,
    pub op_code: i32,
}

fn read_i32(b: &[u8], at: usize) -> Option<i32> {
    let s = b.get(at..at + 4)?;
    Some(i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

impl Header {
    /// Parses and checks a header (length within limits).
    pub fn parse(b: &[u8; HEADER_LEN]) -> Result<Header, String> {
        let len = read_i32(b, 0).unwrap_or(0);
        let length = usize::try_from(len).map_err(|_| format!("negative message length {len}"))?;
        if length < HEADER_LEN + 1 {
            return Err(format!("message length {length} is shorter than a header"));
        }
        if length > MAX_MESSAGE_LEN {
            return Err(format!(
                "message length {length} exceeds the maximum of {MAX_MESSAGE_LEN} bytes"
            ));
        }
        Ok(Header {
            length,
            request_id: read_i32(b, 4).unwrap_or(0),
            response_to: read_i32(b, 8).unwrap_or(0),
            op_code: read_i32(b, 12).unwrap_or(0),
        })
    }
}

/// A request the engine can run.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// OP_MSG: the command (sequences merged in), whether a reply is wanted
    /// (`more_to_come` false) and whether a stream of replies is acceptable.
    Msg {
        command: Document,
        more_to_come: bool,
        exhaust_allowed: bool,
    },
    /// Legacy OP_QUERY on `<db>.$cmd`.
    Query { db: String, command: Document },
}

/// Reads one BSON document at the start of `b`; returns it and its length.
fn read_document(b: &[u8]) -> Result<(Document, usize), String> {
    let len = read_i32(b, 0).ok_or("truncated document length")?;
    let len = usize::try_from(len).map_err(|_| "negative document length".to_string())?;
    let bytes = b
        .get(..len)
        .filter(|_| len >= 5)
        .ok_or_else(|| format!("document length {len} runs past its section"))?;
    let doc = Document::from_reader(bytes).map_err(|e| format!("invalid BSON document: {e}"))?;
    Ok((doc, len))
}

fn read_cstring(b: &[u8]) -> Result<(String, usize), String> {
    let end = b
        .iter()
        .position(|c| *c == 0)
        .ok_or("unterminated string")?;
    let s = std::str::from_utf8(&b[..end]).map_err(|_| "string is not UTF-8".to_string())?;
    Ok((s.to_string(), end + 1))
}

/// Parses the body (everything after the header) of a message.
pub fn parse_body(header: &Header, body: &[u8]) -> Result<Request, String> {
    match header.op_code {
        OP_MSG => parse_msg(header, body),
        OP_QUERY => parse_query(body),
        OP_COMPRESSED => {
            Err("OP_COMPRESSED received although no compression was negotiated".into())
        }
        other => Err(format!("unsupported opCode {other}")),
    }
}

fn parse_msg(header: &Header, body: &[u8]) -> Result<Request, String> {
    let flags = read_i32(body, 0).ok_or("OP_MSG without flag bits")? as u32;
    let unknown_required = flags & 0xffff & !KNOWN_REQUIRED;
    if unknown_required != 0 {
        return Err(format!(
            "OP_MSG has unknown required flag bits {unknown_required:#x}"
        ));
    }
    let mut end = body.len();
    if flags & FLAG_CHECKSUM != 0 {
        end = end
            .checked_sub(4)
            .ok_or("OP_MSG too short for its checksum")?;
        let expected = read_i32(body, end).ok_or("missing checksum")? as u32;
        let mut whole = Vec::with_capacity(HEADER_LEN + end);
        whole.extend_from_slice(&(header.length as i32).to_le_bytes());
        whole.extend_from_slice(&header.request_id.to_le_bytes());
        whole.extend_from_slice(&header.response_to.to_le_bytes());
        whole.extend_from_slice(&header.op_code.to_le_bytes());
        whole.extend_from_slice(&body[..end]);
        if crc32c(&whole) != expected {
            return Err("OP_MSG checksum mismatch".into());
        }
    }
    let mut at = 4;
    let mut command: Option<Document> = None;
    let mut sequences: Vec<(String, Vec<Bson>)> = Vec::new();
    while at < end {
        let kind = body[at];
        at += 1;
        let rest = body.get(at..end).ok_or("section runs past the message")?;
        match kind {
            0 => {
                if command.is_some() {
                    return Err("OP_MSG has more than one body section".into());
                }
                let (doc, len) = read_document(rest)?;
                command = Some(doc);
                at += len;
            }
            1 => {
                let size = read_i32(rest, 0).ok_or("truncated sequence size")?;
                let size =
                    usize::try_from(size).map_err(|_| "negative sequence size".to_string())?;
                let section = rest
                    .get(..size)
                    .filter(|_| size >= 5)
                    .ok_or("document sequence runs past the message")?;
                let (id, id_len) = read_cstring(&section[4..])?;
                let mut docs = Vec::new();
                let mut pos = 4 + id_len;
                while pos < size {
                    let (doc, len) = read_document(&section[pos..])?;
                    docs.push(Bson::Document(doc));
                    pos += len;
                }
                sequences.push((id, docs));
                at += size;
            }
            other => return Err(format!("unknown OP_MSG section kind {other}")),
        }
    }
    let mut command = command.ok_or("OP_MSG without a body section")?;
    for (id, docs) in sequences {
        command.insert(id, docs);
    }
    Ok(Request::Msg {
        command,
        more_to_come: flags & FLAG_MORE_TO_COME != 0,
        exhaust_allowed: flags & FLAG_EXHAUST_ALLOWED != 0,
    })
}

fn parse_query(body: &[u8]) -> Result<Request, String> {
    let _flags = read_i32(body, 0).ok_or("OP_QUERY without flags")?;
    let (full_name, name_len) = read_cstring(body.get(4..).ok_or("OP_QUERY without a namespace")?)?;
    let at = 4 + name_len + 8; // numberToSkip, numberToReturn
    let (mut query, _) = read_document(body.get(at..).ok_or("OP_QUERY without a query")?)?;
    let Some(db) = full_name.strip_suffix(".$cmd") else {
        return Err(format!(
            "OP_QUERY on '{full_name}' is not supported; only commands on <db>.$cmd are"
        ));
    };
    // Legacy drivers wrap the command as {$query: {...}, $readPreference: ...}.
    if let Ok(inner) = query.get_document("$query") {
        query = inner.clone();
    }
    Ok(Request::Query {
        db: db.to_string(),
        command: query,
    })
}

fn header_bytes(length: usize, request_id: i32, response_to: i32, op_code: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(length);
    out.extend_from_slice(&(length as i32).to_le_bytes());
    out.extend_from_slice(&request_id.to_le_bytes());
    out.extend_from_slice(&response_to.to_le_bytes());
    out.extend_from_slice(&op_code.to_le_bytes());
    out
}

/// An OP_MSG reply carrying `doc` in a kind-0 section.
pub fn encode_msg(request_id: i32, response_to: i32, doc: &Document) -> Result<Vec<u8>, String> {
    encode_msg_with_flags(request_id, response_to, doc, 0)
}

/// As [`encode_msg`], with flag bits (moreToCome for a streamed reply).
pub fn encode_msg_with_flags(
    request_id: i32,
    response_to: i32,
    doc: &Document,
    flags: u32,
) -> Result<Vec<u8>, String> {
    let body = doc
        .to_vec()
        .map_err(|e| format!("reply does not encode: {e}"))?;
    let length = HEADER_LEN + 4 + 1 + body.len();
    let mut out = header_bytes(length, request_id, response_to, OP_MSG);
    out.extend_from_slice(&flags.to_le_bytes());
    out.push(0);
    out.extend_from_slice(&body);
    Ok(out)
}

/// An OP_REPLY (answer to a legacy OP_QUERY) carrying one document.
pub fn encode_reply(request_id: i32, response_to: i32, doc: &Document) -> Result<Vec<u8>, String> {
    let body = doc
        .to_vec()
        .map_err(|e| format!("reply does not encode: {e}"))?;
    let length = HEADER_LEN + 4 + 8 + 4 + 4 + body.len();
    let mut out = header_bytes(length, request_id, response_to, OP_REPLY);
    out.extend_from_slice(&0i32.to_le_bytes()); // responseFlags
    out.extend_from_slice(&0i64.to_le_bytes()); // cursorID
    out.extend_from_slice(&0i32.to_le_bytes()); // startingFrom
    out.extend_from_slice(&1i32.to_le_bytes()); // numberReturned
    out.extend_from_slice(&body);
    Ok(out)
}

/// CRC-32C (Castagnoli), the OP_MSG checksum.
pub fn crc32c(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0x82F6_3B78 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    let mut crc = !0u32;
    for b in data {
        crc = table[((crc ^ u32::from(*b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn msg_frame(flags: u32, sections: &[u8], checksum: bool) -> (Header, Vec<u8>) {
        let mut body = flags.to_le_bytes().to_vec();
        body.extend_from_slice(sections);
        let length = HEADER_LEN + body.len() + if checksum { 4 } else { 0 };
        let header = Header {
            length,
            request_id: 7,
            response_to: 0,
            op_code: OP_MSG,
        };
        if checksum {
            let mut whole = header_bytes(length, 7, 0, OP_MSG);
            whole.extend_from_slice(&body);
            body.extend_from_slice(&crc32c(&whole).to_le_bytes());
        }
        (header, body)
    }

    fn kind0(d: &Document) -> Vec<u8> {
        let mut v = vec![0u8];
        v.extend(d.to_vec().unwrap());
        v
    }

    fn kind1(id: &str, docs: &[Document]) -> Vec<u8> {
        let mut payload = id.as_bytes().to_vec();
        payload.push(0);
        for d in docs {
            payload.extend(d.to_vec().unwrap());
        }
        let mut v = vec![1u8];
        v.extend(((payload.len() + 4) as i32).to_le_bytes());
        v.extend(payload);
        v
    }

    #[test]
    fn crc32c_matches_the_reference_vector() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn sequences_merge_into_the_command_in_any_order() {
        let mut sections = kind1("documents", &[doc! {"a": 1}, doc! {"a": 2}]);
        sections.extend(kind0(&doc! {"insert": "c", "$db": "d"}));
        let (h, body) = msg_frame(0, &sections, false);
        let Request::Msg {
            command,
            more_to_come,
            exhaust_allowed,
        } = parse_body(&h, &body).unwrap()
        else {
            panic!()
        };
        assert!(!more_to_come);
        assert!(!exhaust_allowed);
        assert_eq!(command.get_array("documents").unwrap().len(), 2);
        assert_eq!(command.get_str("insert").unwrap(), "c");
    }

    #[test]
    fn checksum_and_more_to_come_are_honoured() {
        let (h, body) = msg_frame(
            FLAG_CHECKSUM | FLAG_MORE_TO_COME,
            &kind0(&doc! {"ping": 1}),
            true,
        );
        assert!(matches!(
            parse_body(&h, &body).unwrap(),
            Request::Msg {
                more_to_come: true,
                ..
            }
        ));
        let (h, mut body) = msg_frame(FLAG_CHECKSUM, &kind0(&doc! {"ping": 1}), true);
        let last = body.len() - 1;
        body[last] ^= 0xff;
        assert!(parse_body(&h, &body).is_err());
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        let (h, body) = msg_frame(0, &[2, 0, 0], false);
        assert!(parse_body(&h, &body).unwrap_err().contains("section kind"));
        let (h, body) = msg_frame(1 << 5, &kind0(&doc! {"ping": 1}), false);
        assert!(parse_body(&h, &body).is_err());
        let (h, body) = msg_frame(0, &[0, 200, 0, 0, 0, 1], false);
        assert!(parse_body(&h, &body).is_err());
        let (h, body) = msg_frame(0, &[1, 3, 0, 0, 0], false);
        assert!(parse_body(&h, &body).is_err());
        let mut bad = [0u8; 16];
        bad[0..4].copy_from_slice(&(100_000_000i32).to_le_bytes());
        assert!(Header::parse(&bad).is_err());
        bad[0..4].copy_from_slice(&(-5i32).to_le_bytes());
        assert!(Header::parse(&bad).is_err());
    }

    #[test]
    fn legacy_query_unwraps_dollar_query() {
        let mut body = 0i32.to_le_bytes().to_vec();
        body.extend(b"admin.$cmd\0");
        body.extend(0i32.to_le_bytes());
        body.extend((-1i32).to_le_bytes());
        body.extend(doc! {"$query": {"isMaster": 1}}.to_vec().unwrap());
        let h = Header {
            length: HEADER_LEN + body.len(),
            request_id: 1,
            response_to: 0,
            op_code: OP_QUERY,
        };
        assert_eq!(
            parse_body(&h, &body).unwrap(),
            Request::Query {
                db: "admin".into(),
                command: doc! {"isMaster": 1}
            }
        );
    }

    #[test]
    fn replies_have_consistent_lengths() {
        let m = encode_msg(1, 2, &doc! {"ok": 1}).unwrap();
        assert_eq!(
            i32::from_le_bytes([m[0], m[1], m[2], m[3]]) as usize,
            m.len()
        );
        let r = encode_reply(1, 2, &doc! {"ok": 1}).unwrap();
        assert_eq!(
            i32::from_le_bytes([r[0], r[1], r[2], r[3]]) as usize,
            r.len()
        );
        assert_eq!(i32::from_le_bytes([r[12], r[13], r[14], r[15]]), OP_REPLY);
    }
}
