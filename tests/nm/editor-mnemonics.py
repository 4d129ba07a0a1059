#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""No two mnemonics clash in a window of the Osprey connection editor, in
English and in every catalog built:

  editor-mnemonics.py EDITOR_UI PO_BUILD_DIR

EDITOR_UI is gui/nm/nm-osprey-editor.ui; PO_BUILD_DIR holds
LANG/LC_MESSAGES/osprey.mo.  Each toplevel object of the .ui (the editor
and its Advanced window) is one window.  TAP."""
import gettext
import glob
import os
import sys
import xml.etree.ElementTree as ET


def windows(ui):
    """{toplevel id: [labels with a mnemonic]}"""
    out = {}
    for top in ET.parse(ui).getroot().findall("object"):
        labels = []
        for obj in top.iter("object"):
            props = {p.get("name"): p for p in obj.findall("property")}
            if "label" in props and props.get("use-underline") is not None \
                    and props["use-underline"].text == "True":
                labels.append(props["label"].text)
        out[top.get("id")] = labels
    return out


def clashes(texts):
    keys = {}
    for t in texts:
        i = t.find("_")
        if i < 0 or i + 1 >= len(t):
            continue
        keys.setdefault(t[i + 1].lower(), []).append(t)
    return {k: v for k, v in keys.items() if len(v) > 1}


def main():
    ui, po_dir = sys.argv[1], sys.argv[2]
    wins = windows(ui)
    catalogs = [("C", gettext.NullTranslations())]
    for mo in sorted(glob.glob(os.path.join(po_dir, "*", "LC_MESSAGES", "osprey.mo"))):
        with open(mo, "rb") as f:
            catalogs.append((mo.split(os.sep)[-3], gettext.GNUTranslations(f)))
    n = failed = 0
    for lang, cat in catalogs:
        for win, labels in wins.items():
            n += 1
            bad = clashes([cat.gettext(t) for t in labels])
            print(("not ok" if bad else "ok") + f" {n} - {lang}: {win}: {len(labels)} mnemonics"
                  + (f", clashing: {bad}" if bad else ", none shared"))
            failed += bool(bad)
    print(f"1..{n}")
    return 1 if failed or len(catalogs) < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
