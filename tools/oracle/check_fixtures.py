#!/usr/bin/python3
"""Compare two fixture trees (committed vs freshly generated).

usage: /usr/bin/python3 check_fixtures.py [--subset] EXPECTED_DIR ACTUAL_DIR

--subset: files present only in EXPECTED_DIR are not an error (for
examples/models, which also holds hand-written files).

- .npy files must be bit-identical;
- .json files must parse to equal values;
- HDF5 files must have the same groups, datasets (dtype, shape, values)
  and attributes (names, values and string storage: fixed/variable length,
  character set);
- zip archives (.keras) must have the same members, compared by content
  with the rules above.
Exits 1 and names every differing case (directory) and file.
"""

import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np


def _attr_sig(obj, name):
    aid = h5py.h5a.open(obj.id, name.encode("utf8"))
    t = aid.get_type()
    sig = (type(t).__name__, aid.get_space().shape)
    if isinstance(t, h5py.h5t.TypeStringID):
        sig += (t.is_variable_str(), t.get_cset(), None if t.is_variable_str() else t.get_size())
    return sig


def _norm(v):
    if isinstance(v, np.ndarray):
        return (v.dtype.str if v.dtype.kind != "O" else "O", v.shape,
                [x.decode() if isinstance(x, bytes) else x for x in v.ravel().tolist()])
    if isinstance(v, bytes):
        return v.decode("utf8")
    return v


def compare_h5(a, b, where=""):
    diffs = []
    ka = sorted(a.attrs.keys())
    kb = sorted(b.attrs.keys())
    if ka != kb:
        return [f"{where or '/'}: attributes {ka} != {kb}"]
    for k in ka:
        if _attr_sig(a, k) != _attr_sig(b, k) or _norm(a.attrs[k]) != _norm(b.attrs[k]):
            diffs.append(f"{where or '/'}@{k} differs")
    if isinstance(a, h5py.Dataset):
        if a.dtype != b.dtype or a.shape != b.shape or not np.array_equal(a[()], b[()]):
            diffs.append(f"{where}: dataset differs")
        return diffs
    if list(a.keys()) != list(b.keys()):
        return diffs + [f"{where or '/'}: members {list(a.keys())} != {list(b.keys())}"]
    for k in a.keys():
        ca, cb = a[k], b[k]
        if type(ca) is not type(cb):
            diffs.append(f"{where}/{k}: kind differs")
            continue
        diffs += compare_h5(ca, cb, f"{where}/{k}")
    return diffs


def compare_bytes(name, da, db):
    if name.endswith(".npy"):
        return [] if da == db else ["npy bytes differ"]
    if name.endswith(".json"):
        return [] if json.loads(da) == json.loads(db) else ["json differs"]
    if da[:8] == b"\x89HDF\r\n\x1a\n":
        with h5py.File(io.BytesIO(da), "r") as fa, h5py.File(io.BytesIO(db), "r") as fb:
            return compare_h5(fa, fb)
    if da[:2] == b"PK":
        za, zb = zipfile.ZipFile(io.BytesIO(da)), zipfile.ZipFile(io.BytesIO(db))
        if za.namelist() != zb.namelist():
            return [f"zip members {za.namelist()} != {zb.namelist()}"]
        out = []
        for m in za.namelist():
            out += [f"{m}: {d}" for d in compare_bytes(m, za.read(m), zb.read(m))]
        return out
    return [] if da == db else ["bytes differ"]


def main():
    args = sys.argv[1:]
    subset = "--subset" in args
    args = [a for a in args if a != "--subset"]
    if len(args) != 2:
        raise SystemExit(__doc__)
    exp_root, act_root = args
    bad = {}

    def files(root):
        out = set()
        for d, _, fs in os.walk(root):
            for f in fs:
                out.add(os.path.relpath(os.path.join(d, f), root))
        return out

    fe, fa = files(exp_root), files(act_root)
    if subset:
        fe &= fa
    for rel in sorted(fe ^ fa):
        case = rel.split(os.sep)[0]
        bad.setdefault(case, []).append(f"{rel}: only in {'committed' if rel in fe else 'generated'} tree")
    for rel in sorted(fe & fa):
        with open(os.path.join(exp_root, rel), "rb") as f:
            da = f.read()
        with open(os.path.join(act_root, rel), "rb") as f:
            db = f.read()
        try:
            diffs = compare_bytes(rel, da, db)
        except Exception as e:  # unreadable file
            diffs = [f"cannot compare: {e}"]
        for d in diffs:
            bad.setdefault(rel.split(os.sep)[0], []).append(f"{rel}: {d}")
    if bad:
        for case, msgs in sorted(bad.items()):
            print(f"DIFFERS: {case}")
            for m in msgs[:10]:
                print(f"    {m}")
        print(f"check_fixtures.py: {len(bad)} case(s) differ", file=sys.stderr)
        sys.exit(1)
    print(f"check_fixtures.py: {len(fe)} files identical", file=sys.stderr)


if __name__ == "__main__":
    main()
