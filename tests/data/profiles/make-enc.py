#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test vectors for Cisco's password obfuscation (.pcf enc_GroupPwd, vpnc
"IPSec obfuscated secret"), made independently of Osprey's C code.

Algorithm (PROTOCOL.md, ".pcf"): h1 = 20 bytes, iv = h1[0:8],
key = SHA1(h1 with byte 19 + 1) | SHA1(h1 with byte 19 + 3)[0:4] (the byte
wraps modulo 256), ciphertext = 3DES-CBC(key, iv, padded plaintext),
output = hex(h1 | SHA1(ciphertext) | ciphertext).

Python's standard library has no 3DES, so the encryption is done by the
`openssl enc -des-ede3-cbc -nopad` command line tool; SHA-1 comes from
hashlib.  h1 is derived from a fixed label so the output is reproducible.
When vpnc's cisco-decrypt(1) is installed, every well-formed vector is also
checked against it.

Usage: make-enc.py            prints "name<TAB>plaintext (Python repr)<TAB>hex"
"""
import hashlib
import shutil
import subprocess
import sys


def obfuscate_padded(padded: bytes, h1: bytes) -> str:
    assert len(h1) == 20 and len(padded) % 8 == 0 and padded
    ht = bytearray(h1)
    ht[19] = (ht[19] + 1) & 0xFF
    h2 = hashlib.sha1(bytes(ht)).digest()
    ht[19] = (ht[19] + 2) & 0xFF
    h3 = hashlib.sha1(bytes(ht)).digest()
    key = h2 + h3[:4]
    ct = subprocess.run(
        ["openssl", "enc", "-des-ede3-cbc", "-K", key.hex(), "-iv", h1[:8].hex(), "-nopad"],
        input=padded, capture_output=True, check=True).stdout
    assert len(ct) == len(padded)
    # the Cisco client writes upper-case hex
    return (h1 + hashlib.sha1(ct).digest() + ct).hex().upper()


def pad(plain: bytes) -> bytes:
    n = 8 - len(plain) % 8  # 1..8, a full block when already aligned
    return plain + bytes([n]) * n


def label_h1(label: str) -> bytes:
    return hashlib.sha1(b"osprey-cisco-obfuscation-test:" + label.encode()).digest()


# name, plaintext, h1 (None: derived from the name), raw padded block override
VECTORS = [
    ("group", b"GroupSecret1", None, None),
    ("user", b"s3cr3t-user-pw", None, None),
    ("empty", b"", None, None),
    ("block", b"12345678", None, None),           # aligned: a whole block of padding
    ("utf8", "pässwörd".encode(), None, None),
    ("latin1", b"caf\xe9", None, None),           # not UTF-8 once decoded
    ("wrap", b"wrap-around", bytes(range(19)) + b"\xff", None),  # byte 19 + 1 wraps to 0
    ("long", b"Th1s is a rather long group password (7 DES blocks)", None, None),
    ("conf", b"vpnc-obfuscated", None, None),
    ("confpw", b"Xauth pass", None, None),
    ("badpad0", None, None, b"abcdefg\x00"),      # padding byte 0
    ("badpad9", None, None, b"abcdefg\x09"),      # padding byte 9 > block size
]


def main() -> int:
    cisco_decrypt = shutil.which("cisco-decrypt")
    for name, plain, h1, raw in VECTORS:
        h1 = h1 or label_h1(name)
        enc = obfuscate_padded(raw if raw is not None else pad(plain), h1)
        if plain is not None and cisco_decrypt:
            out = subprocess.run([cisco_decrypt, enc], capture_output=True, check=True).stdout
            if out.rstrip(b"\n") != plain:
                print(f"{name}: cisco-decrypt gives {out!r}", file=sys.stderr)
                return 1
        print(f"{name}\t{plain!r}\t{enc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
