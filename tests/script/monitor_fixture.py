#!/usr/bin/env python3
"""Writes the hand-built city of tests/script/monitor.sh: a catalog and CSV feeds whose firms
each exercise one detector, positive or near miss, and expect.csv, what each firm should get.
Usage: monitor_fixture.py DIR [extra|edge|ring]  ("extra": only extra.csv, the later registry rows;
"edge": another city, of boundary cases and foreign forms for monitor_edge.sh; "ring": persons
with shell rings beside the legal-representative count, for monitor_ring.sh)."""
import sys, os

CH = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(n):
    body = "91440106MA%07d" % n
    body = body[:17]
    s = sum(CH.index(c) * w for c, w in zip(body, W))
    return body + CH[(31 - s % 31) % 31]


def pid(n):
    body = "44010619800101%03d" % n
    wt = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, wt)) % 11]


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
firms = []  # (n, name, address, capital_wan, established, status)
roles = []  # (n, person, name, role)
tax = []  # (n, date, amount)
reports = []  # (n, date, employees)
abnormal = []  # (n, date, reason)
changes = []  # (n, date, item)
expect = []  # (n, detector or -)
seq = [0]


def firm(address, est="2018-03-01", capital=100, name=None, status="在营（开业）企业",
         tax_ok=True, report_ok=True, rep=None):
    seq[0] += 1
    n = seq[0]
    firms.append((n, name or "测试企业%03d有限公司" % n, address, capital, est, status))
    if tax_ok:
        tax.append((n, "2025-06-15", "1000"))
    if report_ok:
        reports.append((n, "2025-05-01", "10"))
    roles.append((n, 500 + n if rep is None else rep, "路人%03d" % n, "法定代表人"))
    return n


def spaced(i, start_year=2015):
    """Establishment dates 100 days apart: no burst."""
    import datetime
    d = datetime.date(start_year, 1, 1) + datetime.timedelta(days=100 * i)
    return d.isoformat()


# address_cluster: one address written three ways, 10 firms -> one warning
forms = ["广州市天河区天河路385号A座1201房", "广东省广州市天河区天河路３８５号 A栋1201室",
         "天河区天河路 385号A座1201室"]
for i in range(10):
    expect.append((firm(forms[i % 3], est=spaced(i)), "address_cluster"))
# near miss: 9 firms at one address
for i in range(9):
    expect.append((firm("广州市越秀区北京路9号", est=spaced(i)), "-"))
# a deregistered firm does not count: 9 operating + 1 注销 -> none; a revoked one that has not
# deregistered (吊销,未注销) still stands at the address: 9 + 1 revoked -> warning
expect.append((firm("广州市越秀区北京路9号", est=spaced(9), status="注销"), "-"))
for i in range(9):
    expect.append((firm("广州市越秀区北京路11号", est=spaced(i)), "address_cluster"))
expect.append((firm("广州市越秀区北京路11号", est=spaced(9), status="吊销,未注销"), "address_cluster"))
# a tower: 12 firms in 12 rooms -> none
for i in range(12):
    expect.append((firm("广州市海珠区新港中路397号B座%d室" % (301 + i), est=spaced(i)), "-"))
# burst: 5 new firms within 30 days at one address -> warning; 4 -> none
for i in range(5):
    expect.append((firm("广州市白云区机场路1号", est="2025-03-%02d" % (1 + 5 * i)), "address_cluster"))
for i in range(4):
    expect.append((firm("广州市白云区机场路2号", est="2025-03-%02d" % (1 + 5 * i)), "-"))

# person_cluster: person 1 legal representative of 10 firms -> warning; person 2 of 9 -> none
for i in range(10):
    expect.append((firm("广州市荔湾区中山七路%d号" % (10 + i), est=spaced(i), rep=1), "person_cluster"))
for i in range(9):
    expect.append((firm("广州市荔湾区中山八路%d号" % (10 + i), est=spaced(i), rep=2), "-"))
# shell ring: person 3 represents 3 firms at one address -> warning; person 4 only 2 there
for i in range(3):
    expect.append((firm("广州市黄埔区科学大道18号", est=spaced(i), rep=3), "person_cluster"))
for i in range(2):
    expect.append((firm("广州市黄埔区科学大道20号", est=spaced(i), rep=4), "-"))
expect.append((firm("广州市黄埔区科学大道22号", est=spaced(5), rep=4), "-"))

# zombie: no annual report and no tax filing for two years -> warning; a filing in 2024 -> none;
# a young firm -> none
expect.append((firm("广州市番禺区繁华路1号", tax_ok=False, report_ok=False), "zombie"))
z2 = firm("广州市番禺区繁华路2号", tax_ok=False, report_ok=False)
tax.append((z2, "2024-06-01", "500"))
expect.append((z2, "-"))
expect.append((firm("广州市番禺区繁华路3号", est="2025-01-10", tax_ok=False, report_ok=False), "-"))

# unreachable: listed for 无法联系 with no tax filing -> warning; with tax -> none; another reason -> none
u1 = firm("广州市南沙区港前大道1号", tax_ok=False)
abnormal.append((u1, "2023-06-01", "通过登记的住所或者经营场所无法联系"))
expect.append((u1, "unreachable"))
u2 = firm("广州市南沙区港前大道2号")
abnormal.append((u2, "2023-06-01", "通过登记的住所或者经营场所无法联系"))
expect.append((u2, "-"))
u3 = firm("广州市南沙区港前大道3号", tax_ok=False)
abnormal.append((u3, "2023-06-01", "未按照规定期限公示年度报告"))
expect.append((u3, "-"))

# legal_rep_churn: 3 changes of the legal representative in 12 months -> warning; 2 (and one
# other change) -> none; 3 spread over more than 12 months -> none
c1 = firm("广州市增城区府佑路1号")
changes += [(c1, "2025-02-01", "法定代表人"), (c1, "2025-06-01", "法定代表人"), (c1, "2025-11-01", "法定代表人")]
expect.append((c1, "legal_rep_churn"))
c2 = firm("广州市增城区府佑路2号")
changes += [(c2, "2025-02-01", "法定代表人"), (c2, "2025-06-01", "住所"), (c2, "2025-11-01", "法定代表人")]
expect.append((c2, "-"))
c3 = firm("广州市增城区府佑路3号")
changes += [(c3, "2024-06-01", "法定代表人"), (c3, "2025-06-01", "法定代表人"), (c3, "2025-11-01", "法定代表人")]
expect.append((c3, "-"))

# capital_mismatch: ¥200M with zero tax -> warning; ¥200M with 0 employees -> warning;
# ¥99.99M with zero tax -> none; ¥200M paying tax with staff -> none
k1 = firm("广州市花都区新华路1号", capital=20000, tax_ok=False)
tax.append((k1, "2025-06-15", "0"))
expect.append((k1, "capital_mismatch"))
k2 = firm("广州市花都区新华路2号", capital=20000, report_ok=False)
reports.append((k2, "2025-05-01", "0"))
expect.append((k2, "capital_mismatch"))
k3 = firm("广州市花都区新华路3号", capital=9999, tax_ok=False)
tax.append((k3, "2025-06-15", "0"))
expect.append((k3, "-"))
expect.append((firm("广州市花都区新华路4号", capital=20000), "-"))

# edge: the boundaries of the windows as of 2025-12-31 (as_of - 365 = 2024-12-31, as_of - 730 =
# 2024-01-01), dates after the as-of day, and foreign forms of the attributes.
if len(sys.argv) > 2 and sys.argv[2] == "edge":
    for lst in (firms, roles, tax, reports, abnormal, changes, expect):
        lst.clear()
    seq[0] = 0
    # 9 firms at an address and a 10th established after the as-of day: no cluster as of then
    for i in range(9):
        expect.append((firm("广州市天河区体育西路1号", est=spaced(i)), "-"))
    expect.append((firm("广州市天河区体育西路1号", est="2026-01-05"), "-"))
    # 10 firms at an address near the longest that has an address key (include/crisk/addr.h):
    # one warning whose key is the whole address key
    long_addr = "广州市天河区" + "很长的路" * 38 + "1号"
    for i in range(10):
        expect.append((firm(long_addr, est=spaced(i)), "address_cluster"))
    # employees not published (企业选择不公示): unknown, not 0
    e1 = firm("广州市越秀区东风路1号", capital=20000, report_ok=False)
    reports.append((e1, "2025-05-01", "企业选择不公示"))
    expect.append((e1, "-"))
    e2 = firm("广州市越秀区东风路2号", capital=20000, report_ok=False)
    reports.append((e2, "2025-05-01", " 0 "))
    expect.append((e2, "capital_mismatch"))
    # zero tax: established on as_of - tax_window_days -> flagged; one day later -> too young
    expect.append((firm("广州市越秀区东风路3号", capital=20000, est="2024-12-31", tax_ok=False), "capital_mismatch"))
    expect.append((firm("广州市越秀区东风路4号", capital=20000, est="2025-01-01", tax_ok=False), "-"))
    # zombie: established on as_of - min_age_days -> flagged; one day later -> none
    expect.append((firm("广州市番禺区市桥路1号", est="2024-01-01", tax_ok=False, report_ok=False), "zombie"))
    expect.append((firm("广州市番禺区市桥路2号", est="2024-01-02", tax_ok=False, report_ok=False), "-"))
    # unreachable: listed on as_of - listed_days -> flagged; a day later -> none; reason code 4
    # -> flagged; code 1 -> none; listed after the as-of day -> none
    for d, reason, want in [("2024-01-01", "住所无法联系", "unreachable"), ("2024-01-02", "住所无法联系", "-"),
                            ("2023-05-01", "4", "unreachable"), ("2023-05-01", "1", "-"),
                            ("2026-01-10", "无法联系", "-")]:
        u = firm("广州市南沙区进港大道%d号" % (seq[0] + 1), tax_ok=False)
        abnormal.append((u, d, reason))
        expect.append((u, want))
    # composite change items count as a change of the legal representative; changes after the
    # as-of day do not count
    c1 = firm("广州市增城区荔城街1号")
    changes += [(c1, "2025-02-01", "法定代表人;住所"), (c1, "2025-06-01", "住所、法定代表人"),
                (c1, "2025-11-01", "法定代表人变更")]
    expect.append((c1, "legal_rep_churn"))
    c2 = firm("广州市增城区荔城街2号")
    changes += [(c2, "2025-02-01", "法定代表人"), (c2, "2025-06-01", "法定代表人"), (c2, "2026-01-02", "法定代表人")]
    expect.append((c2, "-"))

# ring: shell rings beside the legal-representative count (monitor_ring.sh): one warning per person
if len(sys.argv) > 2 and sys.argv[2] == "ring":
    for lst in (firms, roles, tax, reports, abnormal, changes, expect):
        lst.clear()
    seq[0] = 0
    # person 1: 10 firms (the count), 4 of them at one address (a ring) -> one warning, the ring
    # in its evidence
    for i in range(4):
        expect.append((firm("广州市黄埔区科学大道30号", est=spaced(i), rep=1), "person_cluster"))
    for i in range(6):
        expect.append((firm("广州市荔湾区中山七路%d号" % (10 + i), est=spaced(4 + i), rep=1), "person_cluster"))
    # person 5: 12 firms, 3 at each of two addresses -> one warning, two rings
    for i in range(3):
        expect.append((firm("广州市黄埔区科学大道40号", est=spaced(i), rep=5), "person_cluster"))
    for i in range(3):
        expect.append((firm("广州市黄埔区科学大道50号", est=spaced(3 + i), rep=5), "person_cluster"))
    for i in range(6):
        expect.append((firm("广州市海珠区江南大道%d号" % (10 + i), est=spaced(6 + i), rep=5), "person_cluster"))
    # person 3: 3 firms at one address, below the count -> a shell_ring warning of its own
    for i in range(3):
        expect.append((firm("广州市黄埔区科学大道18号", est=spaced(i), rep=3), "person_cluster"))
    # person 4: 2 at one address and 1 elsewhere -> none
    for i in range(2):
        expect.append((firm("广州市黄埔区科学大道20号", est=spaced(i), rep=4), "-"))
    expect.append((firm("广州市黄埔区科学大道22号", est=spaced(5), rep=4), "-"))

# extra: registry rows added later (the update and close steps of monitor.sh)
if len(sys.argv) > 2 and sys.argv[2] == "extra":
    with open(os.path.join(out, "extra.csv"), "w") as f:
        f.write("uscc,name,address,capital,established,status\n")
        f.write("%s,新增企业有限公司,广州市天河区天河路385号A座1201房,100,2025-06-01,在营（开业）企业\n" % uscc(900))
    with open(os.path.join(out, "cancel.csv"), "w") as f:
        f.write("uscc,name,address,capital,established,status\n")
        for n, name, addr, cap, est, st in firms[:2]:
            f.write("%s,%s,%s,%s,%s,注销\n" % (uscc(n), name, addr, cap, est))
        f.write("%s,新增企业有限公司,广州市天河区天河路385号A座1201房,100,2025-06-01,注销\n" % uscc(900))
    sys.exit(0)

with open(os.path.join(out, "registry.csv"), "w") as f:
    f.write("uscc,name,address,capital,established,status\n")
    for n, name, addr, cap, est, st in firms:
        f.write("%s,%s,%s,%s,%s,\"%s\"\n" % (uscc(n), name, addr, cap, est, st))
with open(os.path.join(out, "roles.csv"), "w") as f:
    f.write("uscc,pid,pname,role\n")
    for n, p, name, role in roles:
        pname = {1: "张小三", 2: "李四", 3: "欧阳小风", 4: "王五", 5: "赵六"}.get(p, name)
        f.write("%s,%s,%s,%s\n" % (uscc(n), pid(p), pname, role))
with open(os.path.join(out, "tax.csv"), "w") as f:
    f.write("uscc,date,amount\n")
    for n, d, a in tax:
        f.write("%s,%s,%s\n" % (uscc(n), d, a))
with open(os.path.join(out, "reports.csv"), "w") as f:
    f.write("uscc,date,从业人数\n")
    for n, d, e in reports:
        f.write("%s,%s,%s\n" % (uscc(n), d, e))
with open(os.path.join(out, "abnormal.csv"), "w") as f:
    f.write("uscc,date,列入原因\n")
    for n, d, r in abnormal:
        f.write("%s,%s,%s\n" % (uscc(n), d, r))
with open(os.path.join(out, "changes.csv"), "w") as f:
    f.write("uscc,date,变更事项\n")
    for n, d, i in changes:
        f.write("%s,%s,%s\n" % (uscc(n), d, i))
with open(os.path.join(out, "expect.csv"), "w") as f:
    f.write("uscc,detector\n")
    for n, det in expect:
        f.write("%s,%s\n" % (uscc(n), det))
with open(os.path.join(out, "catalog.yaml"), "w") as f:
    f.write("""catalog: monitor-fixture
departments:
  - {code: SCJ, name: 市场监督管理局}
  - {code: SWJ, name: 税务局}
topics:
  - {code: REG, name: 企业登记, department: SCJ, kind: registry, files: [registry.csv, extra.csv, cancel.csv], key: uscc,
     fields: {name: name, address: address, capital: {column: capital, unit: 万元}, established: established, status: status}}
  - {code: ROLES, name: 主要人员, department: SCJ, kind: roles, files: [roles.csv], key: uscc,
     fields: {person_id: pid, person_name: pname, role: role}}
  - {code: TAX, name: 纳税申报, department: SWJ, kind: tax_filing, files: [tax.csv], key: uscc,
     fields: {date: date, amount: amount}}
  - {code: AR, name: 年报, department: SCJ, kind: annual_report, files: [reports.csv], key: uscc,
     fields: {date: date}, attrs: [从业人数]}
  - {code: AB, name: 经营异常名录, department: SCJ, kind: abnormal_list, files: [abnormal.csv], key: uscc,
     fields: {date: date}, attrs: [列入原因]}
  - {code: CHG, name: 变更, department: SCJ, kind: change, files: [changes.csv], key: uscc,
     fields: {date: date}, attrs: [变更事项]}
""")
