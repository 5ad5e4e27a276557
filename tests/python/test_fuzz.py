"""Malformed traffic on the shell socket: the kernel answers what it can, drops what it must
(bad signatures are never executed), and never dies."""
import hashlib
import hmac
import json
import random
import uuid

import pytest
import zmq
from jupyter_client.manager import start_new_kernel

TIMEOUT_MS = 5000


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30)
    info = km.get_connection_info()
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
    yield km, kc, sock, key
    sock.close()
    ctx.term()
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def header(msg_type):
    return {"msg_id": str(uuid.uuid4()), "session": "fuzz", "username": "fuzz", "date": "2026-01-01T00:00:00.000000Z",
            "msg_type": msg_type, "version": "5.3"}


def frames(key, msg_type, content, sign=True, raw_header=None):
    parts = [raw_header if raw_header is not None else json.dumps(header(msg_type)).encode(), b"{}", b"{}",
             content if isinstance(content, bytes) else json.dumps(content).encode()]
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for p in parts:
        mac.update(p)
    sig = mac.hexdigest().encode() if sign else b"0" * 64
    return [b"<IDS|MSG>", sig] + parts


def recv_reply(sock, timeout=TIMEOUT_MS):
    if sock.poll(timeout) == 0:
        return None
    parts = sock.recv_multipart()
    i = parts.index(b"<IDS|MSG>")
    return json.loads(parts[i + 2]), json.loads(parts[i + 5])


def assert_alive(sock, key):
    sock.send_multipart(frames(key, "kernel_info_request", {}))
    got = recv_reply(sock)
    assert got is not None, "kernel stopped answering"
    assert got[0]["msg_type"] == "kernel_info_reply"


def test_garbage_frames_are_dropped(kernel):
    _, _, sock, key = kernel
    rng = random.Random(7)
    cases = [
        [b"hello"],
        [b"no", b"delimiter", b"here"],
        [b"<IDS|MSG>"],
        [b"<IDS|MSG>", b"sig", b"{}"],
        [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))) for _ in range(6)],
    ]
    for case in cases:
        sock.send_multipart(case)
        assert recv_reply(sock, 300) is None
    assert_alive(sock, key)


def test_wrong_signature_is_never_executed(kernel):
    _, kc, sock, key = kernel
    sock.send_multipart(frames(key, "execute_request", {"code": "%set fuzz_marker = 1", "silent": False}, sign=False))
    assert recv_reply(sock, 500) is None
    # The variable was not set: the message was dropped before execution.
    sock.send_multipart(frames(key, "execute_request", {"code": "%vars", "silent": False, "store_history": False}))
    reply = recv_reply(sock)
    assert reply is not None and reply[1]["status"] == "ok"
    msg = kc.get_iopub_msg(timeout=5)
    texts = []
    while True:
        if msg["msg_type"] == "execute_result":
            texts.append(msg["content"]["data"]["text/plain"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle" and \
                msg["parent_header"].get("msg_type") == "execute_request":
            break
        msg = kc.get_iopub_msg(timeout=5)
    assert not any("fuzz_marker" in t for t in texts)


def test_bad_json_and_missing_fields(kernel):
    _, _, sock, key = kernel
    sock.send_multipart(frames(key, "execute_request", b"{not json"))
    assert recv_reply(sock, 300) is None
    sock.send_multipart(frames(key, "x", {}, raw_header=b'{"no_msg_type": 1}'))
    assert recv_reply(sock, 300) is None
    # Well-formed but wrong content: an error reply, not silence.
    sock.send_multipart(frames(key, "execute_request", {"silent": False}))
    reply = recv_reply(sock)
    assert reply is not None and reply[1]["status"] == "error"
    sock.send_multipart(frames(key, "complete_request", {"code": "SEL", "cursor_pos": "three"}))
    reply = recv_reply(sock)
    assert reply is not None and reply[1]["status"] == "error"
    sock.send_multipart(frames(key, "no_such_request", {}))
    assert recv_reply(sock, 300) is None
    assert_alive(sock, key)


def test_oversized_message_is_dropped(kernel):
    _, _, sock, key = kernel
    big = b"x" * (65 * 1024 * 1024)
    sock.send_multipart(frames(key, "execute_request", {"code": "SELECT 1"})[:-1] + [big])
    assert recv_reply(sock, 1000) is None
    assert_alive(sock, key)


def test_random_mutations_never_kill_the_kernel(kernel):
    km, _, sock, key = kernel
    rng = random.Random(42)
    base = frames(key, "kernel_info_request", {})
    for _ in range(300):
        case = [bytearray(f) for f in base]
        for _ in range(rng.randint(1, 4)):
            f = rng.randrange(len(case))
            if case[f] and rng.random() < 0.7:
                case[f][rng.randrange(len(case[f]))] = rng.getrandbits(8)
            else:
                case.insert(f, bytearray(rng.getrandbits(8) for _ in range(rng.randint(0, 20))))
        sock.send_multipart([bytes(c) for c in case])
    while recv_reply(sock, 200) is not None:
        pass
    assert km.is_alive()
    assert_alive(sock, key)
