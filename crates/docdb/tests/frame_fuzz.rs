//! Fault suite: the OP_MSG/OP_QUERY frame decoder never panics.
//!
//! Whatever bytes a client sends (random bytes, headers with any length,
//! truncated BSON, document sequences whose sizes lie) the decoder returns a
//! request or an error; a header claiming more than the maximum message size
//! is refused before anything is allocated for its body. Cases are bounded so
//! the suite runs in a few seconds.

use bson::{Document, doc};
use docdb::server::frame::{self, HEADER_LEN, Header, MAX_MESSAGE_LEN, OP_MSG, OP_QUERY};
use proptest::prelude::*;

fn header(length: usize, op_code: i32) -> Header {
    Header {
        length,
        request_id: 1,
        response_to: 0,
        op_code,
    }
}

fn bson_bytes(d: &Document) -> Vec<u8> {
    d.to_vec().unwrap()
}

/// A well-formed OP_MSG body: flags, a body section, maybe a sequence.
fn valid_msg_body(with_sequence: bool) -> Vec<u8> {
    let mut body = 0u32.to_le_bytes().to_vec();
    body.push(0);
    body.extend(bson_bytes(&doc! {"insert": "c", "$db": "d"}));
    if with_sequence {
        let mut payload = b"documents\0".to_vec();
        payload.extend(bson_bytes(&doc! {"_id": 1, "s": "x"}));
        payload.extend(bson_bytes(&doc! {"_id": 2}));
        body.push(1);
        body.extend(((payload.len() + 4) as i32).to_le_bytes());
        body.extend(payload);
    }
    body
}

/// Parses without caring for the outcome: the property is "no panic".
fn parse(op_code: i32, body: &[u8]) -> Result<frame::Request, String> {
    frame::parse_body(&header(HEADER_LEN + body.len(), op_code), body)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_header_parses_or_is_refused(bytes in proptest::array::uniform16(any::<u8>())) {
        match Header::parse(&bytes) {
            Ok(h) => {
                prop_assert!(h.length > HEADER_LEN);
                prop_assert!(h.length <= MAX_MESSAGE_LEN, "a header over the limit is refused");
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn huge_or_negative_lengths_are_refused(length in prop_oneof![
        (MAX_MESSAGE_LEN as i64 + 1)..=(i32::MAX as i64),
        (i32::MIN as i64)..=(HEADER_LEN as i64),
    ]) {
        let mut bytes = [0u8; HEADER_LEN];
        bytes[0..4].copy_from_slice(&(length as i32).to_le_bytes());
        bytes[12..16].copy_from_slice(&OP_MSG.to_le_bytes());
        prop_assert!(Header::parse(&bytes).is_err());
    }

    #[test]
    fn arbitrary_bodies_never_panic(
        op_code in prop_oneof![Just(OP_MSG), Just(OP_QUERY), Just(2012), any::<i32>()],
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = parse(op_code, &body);
    }

    #[test]
    fn a_valid_message_with_bytes_flipped_never_panics(
        with_sequence in any::<bool>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut body = valid_msg_body(with_sequence);
        for (at, byte) in flips {
            let i = at.index(body.len());
            body[i] = byte;
        }
        let _ = parse(OP_MSG, &body);
    }

    #[test]
    fn truncated_messages_are_errors(with_sequence in any::<bool>(), cut in any::<prop::sample::Index>()) {
        let body = valid_msg_body(with_sequence);
        let keep = cut.index(body.len());
        let truncated = &body[..keep];
        // Every proper prefix ends inside a section (or has none): an error.
        // (A cut exactly between the body section and the sequence is a
        // complete message without the sequence.)
        let between = 4 + 1 + bson_bytes(&doc! {"insert": "c", "$db": "d"}).len();
        if keep != between {
            prop_assert!(parse(OP_MSG, truncated).is_err(), "prefix of {keep} bytes");
        }
    }

    #[test]
    fn sequences_with_lying_sizes_are_errors(size in any::<i32>(), ids in proptest::collection::vec(any::<i32>(), 0..4)) {
        // Small documents: their first byte (their length) is never a valid
        // section kind, so bytes a short size leaves over cannot pass for sections.
        let docs: Vec<u8> = ids.iter().flat_map(|id| bson_bytes(&doc! {"_id": *id})).collect();
        let mut body = 0u32.to_le_bytes().to_vec();
        body.push(0);
        body.extend(bson_bytes(&doc! {"insert": "c", "$db": "d"}));
        body.push(1);
        body.extend(size.to_le_bytes());
        body.extend(b"documents\0");
        body.extend(&docs);
        let honest = (4 + 10 + docs.len()) as i32;
        let result = parse(OP_MSG, &body);
        if size == honest {
            prop_assert!(result.is_ok(), "{result:?}");
        } else {
            prop_assert!(result.is_err(), "size {size} for a {honest}-byte sequence was accepted");
        }
    }

    #[test]
    fn body_sections_with_lying_lengths_are_errors(length in any::<i32>(), tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut body = 0u32.to_le_bytes().to_vec();
        body.push(0);
        body.extend(length.to_le_bytes());
        body.extend(&tail);
        let result = parse(OP_MSG, &body);
        if length < 5 || length as i64 > (4 + tail.len()) as i64 {
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn legacy_queries_never_panic(
        name in proptest::collection::vec(1u8..=255, 0..24),
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut body = 0i32.to_le_bytes().to_vec();
        body.extend(&name);
        body.push(0);
        body.extend(&tail);
        let _ = parse(OP_QUERY, &body);
    }
}

#[test]
fn the_valid_messages_of_the_fuzzer_parse() {
    for with_sequence in [false, true] {
        let request = parse(OP_MSG, &valid_msg_body(with_sequence)).expect("a valid message");
        let frame::Request::Msg { command, .. } = request else {
            panic!("an OP_MSG request")
        };
        assert_eq!(command.get_str("insert").unwrap(), "c");
        assert_eq!(
            command.get_array("documents").map(|d| d.len()).unwrap_or(0),
            if with_sequence { 2 } else { 0 }
        );
    }
}
