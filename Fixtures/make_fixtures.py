#!/usr/bin/env python3
"""Makes the workbook, XML and hostile fixtures from the hand-counted CSV exports in small/.

Workbooks are written by real tools (openpyxl and XlsxWriter: pip install openpyxl xlsxwriter), so
the tests read what Excel-like writers produce. The outputs are committed; rerun this only to change
them, then recount small/EXPECTED.md.

    python3 Fixtures/make_fixtures.py
"""
import csv, datetime as dt, io, os, struct, zipfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def read_csv(name, encoding):
    with open(os.path.join(HERE, "small", name), encoding=encoding, errors="replace", newline="") as f:
        return list(csv.reader(f))


def parse(text):
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    return None


a = read_csv("export-a.csv", "utf-8-sig")  # [title, header, rows...]
b = read_csv("export-b-gbk.csv", "gb18030")
a_title, a_header, a_rows = a[0][0], a[1], [r for r in a[2:] if r]
# Rows a workbook cannot hold the way the CSV does: the short row (cells are placed by reference)
# and the undecodable bytes. Everything else must land in the store exactly as from the CSV.
a_rows = [r for r in a_rows if len(r) == len(a_header)]
b_header, b_rows = b[0], [r for r in b[1:] if r and r[0] != "GD099"]
DATE_COLUMNS_A = {a_header.index(h) for h in ("受理时间", "办结时间")}
NUMBER_COLUMNS_A = {a_header.index(h) for h in ("联系电话", "办理时限")}


def cell_a(i, value):
    """Date cells where the text is a plain date (a column mixing both), numbers as numbers."""
    if i in DATE_COLUMNS_A and parse(value) and not value.startswith("2021/"):
        return parse(value)
    if i in NUMBER_COLUMNS_A and value.isdigit():
        return int(value)
    return value or None


def openpyxl_a():
    import openpyxl
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "本工作簿由热线平台导出，工单见“工单明细”表。"
    ws = wb.create_sheet("工单明细")
    ws.append([a_title])
    ws.append(a_header)
    for r in a_rows:
        ws.append([cell_a(i, v) for i, v in enumerate(r)])
    for row in ws.iter_rows(min_row=3):
        for c in row:
            if isinstance(c.value, dt.datetime):
                c.number_format = "yyyy-mm-dd hh:mm:ss"
    wb.save(os.path.join(HERE, "xlsx", "small-a.xlsx"))


def xlsxwriter_b():
    import xlsxwriter
    wb = xlsxwriter.Workbook(os.path.join(HERE, "xlsx", "small-b.xlsx"))
    ws = wb.add_worksheet("工单明细")
    fmt = wb.add_format({"num_format": "yyyy/m/d h:mm:ss"})
    ws.write_row(0, 0, b_header)
    for y, r in enumerate(b_rows, 1):
        for x, v in enumerate(r):
            if x == 1 and parse(v):
                ws.write_datetime(y, x, parse(v), fmt)
            elif v == "":
                continue  # leave the cell out: a sparse row
            elif x in (10, 12) and v.isdigit():
                ws.write_number(y, x, int(v))
            else:
                ws.write_string(y, x, v)
    wb.close()


def openpyxl_1904():
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "工单"
    ws.append(["工单编号", "受理时间", "诉求内容", "办结时间"])
    ws.append(["M1", dt.datetime(2021, 3, 5, 14, 22, 1), "翠竹苑门口路灯坏了", dt.datetime(2021, 3, 6, 9, 0)])
    ws.append(["M2", "2021年3月8日 9:05", "楼下广场舞太吵", None])
    wb.save(os.path.join(HERE, "xlsx", "mac-1904.xlsx"))


def xlsxwriter_types():
    """Booleans, formula results (cached values), an error, a gap row and a sparse row."""
    import xlsxwriter
    wb = xlsxwriter.Workbook(os.path.join(HERE, "xlsx", "cell-types.xlsx"))
    ws = wb.add_worksheet("工单")
    ws.write_row(0, 0, ["工单编号", "受理时间", "诉求内容", "办理时限", "诉求渠道", "问题分类"])
    ws.write_string(1, 0, "T1")
    ws.write_string(1, 1, "2021-05-01 08:00:00")
    ws.write_formula(1, 2, '=CONCATENATE("路灯","坏了")', None, "路灯坏了")
    ws.write_formula(1, 3, "=2+3", None, 5)
    ws.write_boolean(1, 4, True)
    ws.write_formula(1, 5, "=1/0", None, "#DIV/0!")
    # Row 3 left out entirely; row 4 has only its first and last cells.
    ws.write_string(3, 0, "T2")
    ws.write_number(3, 1, 44317.5)  # a serial written as a plain number: 2021-05-01 12:00
    ws.write_string(3, 5, "市政")
    wb.close()


def xml_exports():
    from xml.sax.saxutils import escape, quoteattr
    rows = [dict(zip(a_header, r)) for r in a_rows]
    with open(os.path.join(HERE, "xlsx", "small-a.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<工单列表 导出时间="2021-12-31">\n')
        for r in rows:
            f.write("  <工单>\n")
            for k, v in r.items():
                f.write(f"    <{k}>{escape(v)}</{k}>\n")
            f.write("  </工单>\n")
        f.write("</工单列表>\n")
    # GB18030, fields as attributes, another record name.
    names = dict(zip(b_header, b_header))
    body = '<?xml version="1.0" encoding="GB18030"?>\n<导出>\n'
    for r in b_rows:
        attrs = " ".join(f"{names[k]}={quoteattr(v)}" for k, v in zip(b_header, r) if v)
        body += f"  <记录 {attrs}/>\n"
    body += "</导出>\n"
    with open(os.path.join(HERE, "xlsx", "small-b-gbk.xml"), "wb") as f:
        f.write(body.encode("gb18030"))


def hostile():
    out = os.path.join(HERE, "hostile")
    laughs = ['<?xml version="1.0"?>', '<!DOCTYPE 工单列表 [', '  <!ENTITY lol "lol">']
    laughs += [f'  <!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)]
    laughs += [']>', '<工单列表><工单><工单编号>X1</工单编号><受理时间>2021-01-01</受理时间>'
               '<诉求内容>&lol9;</诉求内容></工单></工单列表>']
    open(os.path.join(out, "billion-laughs.xml"), "w", encoding="utf-8").write("\n".join(laughs) + "\n")
    open(os.path.join(out, "xxe.xml"), "w", encoding="utf-8").write(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<工单列表><工单><工单编号>X1</工单编号><受理时间>2021-01-01</受理时间><诉求内容>&x;</诉求内容></工单></工单列表>\n')

    src = os.path.join(HERE, "xlsx", "small-a.xlsx")
    data = open(src, "rb").read()
    open(os.path.join(out, "truncated.xlsx"), "wb").write(data[: len(data) // 2])
    open(os.path.join(out, "not-a-workbook.xlsx"), "w").write("工单编号,受理时间\nX1,2021-01-01\n")
    open(os.path.join(out, "password.xlsx"), "wb").write(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))

    def rewrite(name, change):
        with zipfile.ZipFile(src) as z:
            parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        change(parts)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for k, v in parts.items():
                z.writestr(k, v)
        open(os.path.join(out, name), "wb").write(buf.getvalue())
        return buf.getvalue()

    sheet = "xl/worksheets/sheet2.xml"

    def bomb(parts):  # 40 million empty rows after the data: 240 MB that deflate about 1000:1
        xml = parts[sheet]
        at = xml.index(b"</sheetData>")
        parts[sheet] = xml[:at] + b"<row/>" * (40 << 20) + xml[at:]

    def broken(parts):  # the sheet stops in the middle of row 9
        xml = parts[sheet]
        parts[sheet] = xml[: xml.index(b'<row r="9"') + 40]

    rewrite("bomb.xlsx", bomb)
    rewrite("broken-sheet.xlsx", broken)

    # Encrypted: the same archive with the encryption flag set on every entry.
    raw = bytearray(data)
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = raw.find(sig)
        while i >= 0:
            raw[i + flag_at] |= 1
            i = raw.find(sig, i + 4)
    open(os.path.join(out, "encrypted.xlsx"), "wb").write(bytes(raw))

    # The same workbook with every entry stored, not deflated.
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zout:
        for i in zin.infolist():
            zout.writestr(i.filename, zin.read(i.filename))
    open(os.path.join(HERE, "xlsx", "small-a-stored.xlsx"), "wb").write(buf.getvalue())

    # A bad CRC: the sheet stored uncompressed, one byte of a cell's text changed after zipping.
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zout:
        for i in zin.infolist():
            zout.writestr(i.filename, zin.read(i.filename))
    raw = bytearray(buf.getvalue())
    at = raw.find("翠竹苑".encode())
    raw[at + 1] ^= 0x01
    open(os.path.join(out, "bad-crc.xlsx"), "wb").write(bytes(raw))


def hostile_cells():
    """Rows and cells past the format's limits, shared strings that are not there, a workbook part
    with broken XML, a bomb that declares its ratio, and a CSV line whose quote never closes."""
    out = os.path.join(HERE, "hostile")
    src = os.path.join(HERE, "xlsx", "small-a.xlsx")
    sheet = "xl/worksheets/sheet2.xml"

    def rewrite(name, change, method=zipfile.ZIP_DEFLATED, source=src):
        with zipfile.ZipFile(source) as z:
            parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        change(parts)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", method) as z:
            for k, v in parts.items():
                z.writestr(k, v)
        open(os.path.join(out, name), "wb").write(buf.getvalue())

    def huge_rows(parts):  # row 9 numbered past any sheet; row 10 with a cell past column XFD
        xml = parts[sheet]
        xml = xml.replace(b'<row r="9"', b'<row r="9223372036854775807"', 1)
        at = xml.index(b'<row r="10"')
        end = xml.index(b">", at) + 1
        parts[sheet] = xml[:end] + b'<c r="XFE10" t="inlineStr"><is><t>x</t></is></c>' + xml[end:]

    def bad_strings(parts):  # rows 3 to 6 refer to shared strings that do not exist
        sheet = "xl/worksheets/sheet1.xml"
        xml = parts[sheet]
        for row, index in ((3, b"999999"), (4, b"-1"), (5, b"100000000000000000000"), (6, b"abc")):
            at = xml.index(b'<row r="%d"' % row)
            c = xml.index(b't="s"', at)
            v = xml.index(b"<v>", c) + 3
            e = xml.index(b"</v>", v)
            xml = xml[:v] + index + xml[e:]
        parts[sheet] = xml

    def bad_attribute(parts):  # workbook.xml with an attribute value that never opens its quote
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'name="', b"name=", 1)

    rewrite("huge-row-number.xlsx", huge_rows)
    rewrite("bad-shared-string.xlsx", bad_strings, source=os.path.join(HERE, "xlsx", "small-b.xlsx"))
    rewrite("bad-attribute.xlsx", bad_attribute)

    # A bomb that says what it is: 64 MiB of one byte, whose directory declares about 1000:1.
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            data = zin.read(i.filename)
            if i.filename == sheet:
                data = data + b" " * (64 << 20)
            zout.writestr(i.filename, data)
    open(os.path.join(out, "declared-bomb.xlsx"), "wb").write(buf.getvalue())

    # A CSV row that opens a quote and never closes it, on a 200 KB line, then a good row.
    with open(os.path.join(out, "unclosed-quote.csv"), "w", encoding="utf-8") as f:
        f.write("工单编号,受理时间,诉求内容\n")
        f.write('Q1,2021-01-01 10:00,"' + "很长" * 35000 + "\n")
        f.write("Q2,2021-01-02 10:00,路灯坏了\n")


def bad_encoding():
    """A GB18030 export with bytes no GB18030 text has, in record GD009: libxml2's own encoding
    error must not reach stderr without the file's name."""
    xml = open(os.path.join(HERE, "xlsx", "small-b-gbk.xml"), "rb").read()
    third = xml.index("反映内容".encode("gb18030"), xml.index(b"GD009"))
    at = xml.index(b'"', third) + 1
    with open(os.path.join(HERE, "hostile", "bad-encoding.xml"), "wb") as f:
        f.write(xml[:at] + b"\x93\x30\x30\x32" + xml[at:])


if __name__ == "__main__":
    import sys
    steps = {f.__name__: f for f in (openpyxl_a, xlsxwriter_b, openpyxl_1904, xlsxwriter_types, xml_exports,
                                     hostile, hostile_cells, bad_encoding)}
    for name in sys.argv[1:] or list(steps):
        steps[name]()
    print("fixtures written")
