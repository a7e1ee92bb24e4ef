#!/usr/bin/env python3
"""Reads an XLSX workbook with nothing but zipfile and the XML of its parts, independently of
libxlsxwriter, and prints it as JSON: {"sheets": [{"name", "frozen_rows", "widths": [...],
"rows": [[cell, ...], ...]}]}, a cell being null or {"t": "s"|"n", "v": text or number}; a
string cell also has "u16", its length as Excel counts it (UTF-16 code units).
Strings are decoded as Excel reads them (shared or inline, _xHHHH_ escapes).
Usage: xlsx_dump.py FILE.xlsx"""
import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def unescape(s):
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), s)


def text_of(si):
    # A shared or inline string: <t> directly, or rich-text runs <r><t>.
    return unescape("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def main(path):
    z = zipfile.ZipFile(path)
    assert z.testzip() is None, "corrupt member"
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.findall("p:Relationship", NS)}
    sst = []
    if "xl/sharedStrings.xml" in z.namelist():
        sst = [text_of(si) for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)]
    out = []
    for sh in wb.find("m:sheets", NS).findall("m:sheet", NS):
        t = target[sh.get("{%s}id" % NS["r"])]
        ws = ET.fromstring(z.read("xl/" + t.lstrip("/").replace("xl/", "", 1)))
        pane = ws.find(".//m:pane", NS)
        frozen = int(float(pane.get("ySplit", "0"))) if pane is not None and pane.get("state") == "frozen" else 0
        widths = [float(c.get("width")) for c in ws.findall(".//m:cols/m:col", NS)]
        rows = []
        for row in ws.find("m:sheetData", NS).findall("m:row", NS):
            r = int(row.get("r")) - 1
            while len(rows) <= r:
                rows.append([])
            cells = rows[r]
            for c in row.findall("m:c", NS):
                i = col_index(c.get("r"))
                while len(cells) <= i:
                    cells.append(None)
                typ = c.get("t", "n")
                v = c.find("m:v", NS)
                if typ == "s":
                    cells[i] = {"t": "s", "v": sst[int(v.text)]}
                elif typ == "inlineStr":
                    cells[i] = {"t": "s", "v": text_of(c.find("m:is", NS))}
                elif typ == "str":
                    cells[i] = {"t": "s", "v": v.text or ""}
                else:
                    cells[i] = {"t": "n", "v": float(v.text)} if v is not None else None
        for cells in rows:
            for c in cells:
                if c is not None and c["t"] == "s":
                    c["u16"] = len(c["v"].encode("utf-16-le")) // 2
        out.append({"name": sh.get("name"), "frozen_rows": frozen, "widths": widths, "rows": rows})
    json.dump({"sheets": out}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
