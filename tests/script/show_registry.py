import json, subprocess, sqlite3, sys
crisk, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
rows = con.execute("SELECT uscc, industry, type, status FROM enterprise WHERE uscc IS NOT NULL ORDER BY subject").fetchall()
want_field = {'industry_section': 1, 'food_production': 1, 'enterprise_type': 2, 'branch_office': 2,
              'unlimited_liability': 2, 'reg_status': 3}
checked = nulls = 0
text_firm = None
for r in rows[:120]:
    o = json.loads(subprocess.run([crisk, 'show', '--db', db, '--json', r[0]], capture_output=True, check=True).stdout)
    for a in o['aspects']:
        for c in a['categories']:
            for i in c['indicators']:
                if i['id'] in want_field:
                    exp = r[want_field[i['id']]] or None
                    assert i['value'] == exp, (r[0], i['id'], i['value'], exp)
                    checked += 1
                    nulls += exp is None
    for dv in o['drivers']:
        if dv['id'] in want_field and text_firm is None:
            text_firm = (r[0], dv['name'], dv['value'])
assert checked > 0
assert text_firm, 'no firm has a registry map indicator among its drivers'
print(checked, nulls, text_firm[0], text_firm[1], text_firm[2], sep='\t')
