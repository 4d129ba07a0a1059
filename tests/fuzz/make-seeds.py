#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the hand-made seeds of the binary-input targets (esp, settings)
# into corpus/<target>/; the formats are described at the top of each
# fuzz-<target>.c.  Seeds the fuzzer found are added beside them by hand.
import os
import struct
import ctypes
import ctypes.util

here = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(here, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- esp: byte 0 config, byte 1 mode (0 raw, 1 sealed, 2 replay) ----
ALIGN = [16, 16, 16, 4, 4, 8, 4]
NAMES = ['cbc128-sha1', 'cbc256-sha256', 'cbc192-sha512', 'gcm128', 'gcm256', '3des-md5',
         'null-sha384']


def part(inner, align, nh=4):
    pad = (align - (len(inner) + 2) % align) % align
    return inner + bytes(range(1, pad + 1)) + bytes([pad, nh])


def sealed(seq, p, flags=0):
    return struct.pack('>BIH', flags, seq, len(p)) + p


def roundtrip(inner, nh=41):
    return bytes([0x10, nh]) + struct.pack('>H', len(inner)) + inner


ip = bytes.fromhex('450000200000400040010000c6120102c6336401') + b'ping'
for i, name in enumerate(NAMES):
    a = ALIGN[i]
    recs = [sealed(1, part(ip, a)), sealed(3, part(ip, a)), sealed(2, part(ip + b'x', a)),
            sealed(2, part(ip, a)),                    # replayed
            sealed(5, part(ip, a), flags=1) + b'\x07',  # tampered
            sealed(6, part(ip, a), flags=2),           # wrong SPI
            sealed(1100, part(ip, a)), sealed(50, part(ip, a)),  # left of the window
            roundtrip(ip), roundtrip(b'')]
    put('esp', 'sealed-' + name, bytes([i, 1]) + b''.join(recs))
bad = part(ip, 16)[:-2] + bytes([200, 4])              # pad length beyond the payload
put('esp', 'sealed-bad-padlen', bytes([0, 1]) + sealed(1, bad))
bad = ip + bytes([1, 3, 2, 4])                         # padding 1, 3 instead of 1, 2
put('esp', 'sealed-bad-padding', bytes([3, 1]) + sealed(1, bad))
put('esp', 'raw-short', bytes([0, 4]) + bytes.fromhex('0badf00d00000001'))
put('esp', 'raw-gcm', bytes([3, 4]) + bytes.fromhex('0badf00d00000001') + bytes(40))
seqs = [(0, 1), (0, 0), (0, 1024), (0, 1), (0, 2), (4, 0xffff), (4, 1), (0, 0xffffffff),
        (0, 0xfffffc00), (1, 0xfffffc00), (4, 0xfc00)]
put('esp', 'replay-edges', bytes([0, 2]) + b''.join(struct.pack('>BI', f, s) for f, s in seqs))

# ---- settings: byte 0 even = serialized a{sv}, odd = GVariant text ----
texts = {
    'text-lab': "{'gateway': <'192.0.2.1'>, 'group-id': <'osprey-lab'>, 'username': <'alice'>,"
                " 'dh-group': <'dh14'>, 'mtu': <uint32 1400>, 'no-split': <true>}",
    'text-all': "{'description': <'Work'>, 'gateway': <'vpn.example'>, 'group-id': <'g'>,"
                " 'domain': <'CORP'>, 'id-type': <'fqdn'>, 'vendor': <'netscreen'>,"
                " 'app-version': <'x'>, 'pfs': <'nopfs'>, 'natt-mode': <'force-natt'>,"
                " 'enable-single-des': <false>, 'enable-weak-encryption': <true>,"
                " 'enable-weak-authentication': <true>, 'local-port': <uint32 0>,"
                " 'cisco-udp-port': <uint32 10000>, 'interface-name': <'vpn%d'>,"
                " 'dpd-idle': <uint32 60>, 'dpd-timeout': <uint32 10>,"
                " 'ike-lifetime': <uint32 3600>, 'ipsec-lifetime': <uint32 600>,"
                " 'script': <'/bin/true'>, 'password-helper': <'/bin/echo'>,"
                " 'target-networks': <'198.51.100.0/24 203.0.113.0/25'>,"
                " 'keep-credentials': <false>}",
    'text-secret': "{'gateway': <'192.0.2.1'>, 'password': <'x'>}",
    'text-badtype': "{'mtu': <'1400'>}",
    'text-control': "{'description': <'a\\nb'>}",
}
for name, t in texts.items():
    put('settings', name, b'\x01' + t.encode())

# the same dictionaries serialized, as they come off the bus (GLib's own
# serializer through ctypes)
glib = ctypes.CDLL(ctypes.util.find_library('glib-2.0'))
glib.g_variant_type_new.restype = ctypes.c_void_p
glib.g_variant_parse.restype = ctypes.c_void_p
glib.g_variant_parse.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p,
                                 ctypes.c_void_p, ctypes.c_void_p]
glib.g_variant_get_size.restype = ctypes.c_size_t
glib.g_variant_get_size.argtypes = [ctypes.c_void_p]
glib.g_variant_get_data.restype = ctypes.c_void_p
glib.g_variant_get_data.argtypes = [ctypes.c_void_p]
vardict = glib.g_variant_type_new(b'a{sv}')
for name, t in texts.items():
    v = glib.g_variant_parse(vardict, t.encode(), None, None, None)
    data = ctypes.string_at(glib.g_variant_get_data(v), glib.g_variant_get_size(v))
    put('settings', 'bin-' + name[5:], b'\x00' + data)

# ---- cfg: state(1) flags(1), records: op 0 = type id(2) msgid-sel len(2) attrs


def attr_var(t, v=b''):
    return struct.pack('>HH', t, len(v)) + v


def attr_basic(t, v):
    return struct.pack('>HH', 0x8000 | t, v)


def cfg_msg(typ, ident, sel, attrs):
    return bytes([0, typ]) + struct.pack('>HBH', ident, sel, len(attrs)) + attrs


addr = bytes([198, 18, 1, 10])
reply = (attr_var(1, addr) + attr_var(2, bytes([255, 255, 255, 0])) + attr_var(3, bytes([198, 51, 100, 53]))
         + attr_var(28672, b'Welcome\nto the lab') + attr_var(28674, b'corp.example')
         + attr_var(28675, b'corp.example,lab.example') + attr_var(28675, b'other.example')
         + attr_var(28676, bytes([198, 51, 100, 0, 255, 255, 255, 0]) + bytes(6))
         + attr_basic(28673, 1) + attr_basic(28679, 0) + attr_var(5, struct.pack('>I', 3600)))
request = attr_basic(16520, 0) + attr_var(16521) + attr_var(16522) + attr_var(16524, b'Enter PIN')
STATES = ['xauth-wait', 'xauth-secrets', 'xauth-replied', 'cfg-sent', 'established']
for i, name in enumerate(STATES):
    put('cfg', 'state-' + name, bytes([i, 0]))
put('cfg', 'request-answer', bytes([0, 0]) + cfg_msg(1, 7, 5, request) + b'\x01'
    + cfg_msg(3, 8, 5, attr_basic(16527, 1)) + cfg_msg(2, 9, 0, reply))
put('cfg', 'request-passcode', bytes([0, 0]) + cfg_msg(1, 7, 5, attr_var(16521) + attr_var(16523)) + b'\x01')
put('cfg', 'status-fail', bytes([2, 0]) + cfg_msg(3, 8, 5, attr_basic(16527, 0)))
put('cfg', 'reply', bytes([3, 2]) + cfg_msg(2, 9, 0, reply))
put('cfg', 'reply-padded', bytes([3, 0]) + cfg_msg(2, 9, 0, reply + b'\0\0\0'))
put('cfg', 'push', bytes([3, 1]) + cfg_msg(3, 9, 6, reply))
put('cfg', 'reply-no-address', bytes([3, 0]) + cfg_msg(2, 9, 0, attr_var(3, addr)))
put('cfg', 'retransmit-timeout', bytes([3, 0]) + b'\x03\x08' * 12)

# ---- session: state(1) flags(1), records (see fuzz-session.c)


def payload(t, body, nxt=0):
    return bytes([nxt, 0]) + struct.pack('>H', 4 + len(body)) + body


def enc_msg(exch, sel, first, chain, op=0):
    return bytes([op, exch, sel, first]) + struct.pack('>H', len(chain)) + chain


notify_dpd = payload(11, struct.pack('>IBBH', 1, 1, 16, 36136) + bytes(16) + struct.pack('>I', 7))
delete_esp = payload(12, struct.pack('>IBBH', 1, 3, 4, 1) + bytes([0x5e, 0xc0, 0x0d, 0x01]))
delete_ike = payload(12, struct.pack('>IBBH', 1, 1, 16, 1) + bytes([0x1c] * 8) + bytes([0xc0, 0x0c, 0x1e, 0x5e] * 2))
SSTATES = ['am1-sent', 'xauth-wait', 'xauth-secrets', 'xauth-replied', 'cfg-sent', 'qm1-sent',
           'established']
for i, name in enumerate(SSTATES):
    put('session', 'state-' + name, bytes([i, 4]))
vid_dpd = bytes.fromhex('afcad71368a1f1c96b8696fc77570100')
natd = bytes(20)
put('session', 'am2', bytes([0, 0]) + b'\x02\x00' + struct.pack('>H', 2 + 16 + 2 + 20 + 2 + 20)
    + bytes([13, 16]) + vid_dpd + bytes([20, 20]) + natd + bytes([20, 20]) + natd)
put('session', 'am2-bad-hash', bytes([0, 0]) + b'\x22\x01\x00\x00')
put('session', 'am2-then-xauth', bytes([0, 0]) + b'\x02\x03\x00\x00'
    + enc_msg(1, 5, 14, payload(14, bytes([1, 0, 0, 7]) + request)) + b'\x03')
put('session', 'established-dpd', bytes([6, 4]) + enc_msg(0, 7, 11, notify_dpd) + b'\x05\x10\x00')
put('session', 'established-delete', bytes([6, 0]) + enc_msg(0, 7, 12, delete_esp)
    + enc_msg(0, 8, 12, delete_ike))
put('session', 'established-timers', bytes([6, 4]) + b'\x06\x01' + b'\x05\xff\xff' * 8)
put('session', 'xauth-wait-notify-clear', bytes([1, 0]) + b'\x11\x00\x28' + bytes(40))


def transform(num, tid, attrs, nxt=0):
    body = bytes([num, tid, 0, 0]) + attrs
    return bytes([nxt, 0]) + struct.pack('>H', 4 + len(body)) + body


def proposal(num, proto, spi, transforms, nxt=0):
    body = bytes([num, proto, len(spi), len(transforms)]) + spi + b''.join(transforms)
    return bytes([nxt, 0]) + struct.pack('>H', 4 + len(body)) + body


def chain(*pls):
    out = b''
    for i, (t, body) in enumerate(pls):
        nxt = pls[i + 1][0] if i + 1 < len(pls) else 0
        out += bytes([nxt, 0]) + struct.pack('>H', 4 + len(body)) + body
    return out


esp_attrs = attr_basic(1, 1) + attr_basic(2, 600) + attr_basic(4, 1) + attr_basic(5, 2) + attr_basic(6, 128)
sa_esp = struct.pack('>II', 1, 1) + proposal(1, 3, bytes([0xab, 0xcd, 0x00, 0x01]),
                                                [transform(1, 12, esp_attrs)])
idci = bytes([1, 0, 0, 0]) + bytes([198, 18, 1, 10])
idcr = bytes([4, 0, 0, 0]) + bytes(8)
qm1 = chain((1, sa_esp), (10, bytes([0x33] * 16)), (5, idci), (5, idcr))
put('session', 'peer-rekey', bytes([6, 0]) + enc_msg(2, 7, 1, qm1) + enc_msg(2, 3, 0, b''))
lifetime = struct.pack('>IBBH', 1, 3, 4, 24576) + bytes([0x5e, 0xc0, 0x0d, 0x01]) + attr_basic(1, 1) + attr_basic(2, 1)
put('session', 'responder-lifetime', bytes([6, 0]) + enc_msg(0, 7, 11, payload(11, lifetime)))
put('session', 'xauth-via-session', bytes([1, 0]) + enc_msg(1, 5, 14, payload(14, bytes([1, 0, 0, 7]) + request))
    + b'\x03' + enc_msg(1, 5, 14, payload(14, bytes([3, 0, 0, 8]) + attr_basic(16527, 1))))
put('session', 'qm1-sent-timeout', bytes([5, 0]) + b'\x05\xff\xff' * 6)
# issue 8: seven PASSCODEs (or any repeat) overflowed kinds[] in xauth_request()
put('cfg', 'request-passcode-x7', bytes([0, 0]) + cfg_msg(1, 7, 5, attr_var(16521) + attr_var(16523) * 7) + b'\x01')
put('cfg', 'request-every-kind-x2', bytes([0, 0]) + cfg_msg(1, 7, 5, b''.join(
    attr_var(t) * 2 for t in (16521, 16522, 16523, 16528, 16529))) + b'\x01')

# esp through osp_esp_input (mode bit 3; bit 4: we have an IPv6 address too)
v4 = bytes.fromhex('45000018000040004001000cc6336401c612010a') + b'ping'
v4_other = v4[:16] + bytes([198, 18, 1, 11]) + v4[20:]
v6 = bytes.fromhex('6000000000043a40') + bytes.fromhex('20010db8' + '00' * 11 + '01') + \
    bytes.fromhex('20010db8' + '00' * 11 + '10') + b'ping'
for i in (0, 3):
    recs = [sealed(1, part(v4, ALIGN[i])), sealed(2, part(v4_other, ALIGN[i])),
            sealed(3, part(v6, ALIGN[i], 41)), sealed(4, part(b'', ALIGN[i], 59)),
            sealed(5, part(v4[:19], ALIGN[i])), sealed(6, part(ip, ALIGN[i], 17))]
    put('esp', 'input-' + NAMES[i], bytes([i, 1 | 8]) + b''.join(recs))
    put('esp', 'input6-' + NAMES[i], bytes([i, 1 | 8 | 16]) + b''.join(recs))
# flags: NAT-T floated, Mode Config push (netscreen), SHA-256/AES-256 phase 1, no split
put('session', 'flags-established-natt', bytes([6, 0x14]) + enc_msg(0, 7, 11, notify_dpd))
put('session', 'flags-cfg-sent-push', bytes([4, 1]) + enc_msg(1, 6, 14, payload(14, bytes([3, 0, 0, 9]) + reply)))
put('session', 'flags-qm1-sent-strong', bytes([5, 2 | 8]) + b'\x05\x00\x64')
