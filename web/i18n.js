// The two message tables: Chinese first (the default), English switchable. Every label of the
// UI is here; tests/script/web_i18n.sh checks that both tables have the same keys and that every
// key the pages use exists. Data (firm names, indicator names, summaries) stays as the server
// gives it.
const zh = {
  'nav.dashboard': '总览', 'nav.search': '企业查询', 'nav.firm': '企业画像', 'nav.warnings': '预警',
  'nav.warning': '预警详情', 'nav.tasks': '任务', 'nav.task': '任务详情', 'nav.plans': '抽查计划',
  'nav.plan': '计划详情', 'nav.draw': '抽取结果', 'nav.inspections': '检查', 'nav.jobs': '后台任务',
  'nav.model': '模型', 'nav.quarantine': '隔离数据', 'nav.audit': '审计日志', 'nav.logout': '退出',
  'role.city_admin': '市局管理员', 'role.city_analyst': '市局分析员', 'role.district': '区局',
  'role.street': '市场监管所', 'role.grid': '网格员', 'role.auditor': '审计',
  'login.title': '企业信用风险分类监管 · 登录', 'login.name': '用户名', 'login.password': '密码',
  'login.submit': '登录', 'login.bad': '用户名或密码错误', 'login.limited': '登录失败次数过多，请稍后再试',
  'common.none': '无', 'common.all': '全部', 'common.filter': '筛选', 'common.prev': '上一页',
  'common.next': '下一页', 'common.showing': '第 {0}–{1} 条，共 {2} 条', 'common.yes': '是',
  'common.no_page': '此页面不存在，或您的角色无权访问。',
  'error.api': '请求失败（{0} {1}）：{2}', 'chart.missing': '图表组件未内置（请运行 scripts/setup.sh 后重新构建）',
  'level.A': '低风险', 'level.B': '中风险', 'level.C': '较高风险', 'level.D': '高风险',
  'dash.run': '第 {0} 次分类 · 截至 {1} · 模型 {2} · {3} 户企业', 'dash.no_runs': '尚无分类结果：请先运行 crisk classify。',
  'dash.firms': '企业数', 'dash.map': '各区风险分布', 'dash.metric': '指标',
  'dash.metric.cd': '较高及高风险占比', 'dash.metric.D': '高风险占比', 'dash.metric.C': '较高风险占比',
  'dash.metric.B': '中风险占比', 'dash.metric.A': '低风险占比', 'dash.metric.count': '企业数',
  'dash.high': '高', 'dash.low': '低', 'dash.outside': '不在辖区内', 'dash.shares': '风险等级占比',
  'dash.trend': '历次分类的等级占比', 'dash.division': '区划', 'dash.divisions.district': '各区',
  'dash.divisions.street': '各街道（镇）', 'dash.divisions.grid': '各网格（社区）', 'dash.workflow': '各区待处理预警与逾期任务',
  'dash.open_warnings': '未关闭预警', 'dash.overdue_tasks': '逾期任务',
  'dash.hits': '各等级命中率', 'dash.hits.inspections': '抽查发现问题', 'dash.hits.tasks': '预警核查属实',
  'dash.hits.none': '尚无检查结果或办结任务。', 'dash.hits.note': '按第 {0} 次分类的等级统计；任务按办结结论计（命中结论见配置 hit_outcomes）。',
  'search.placeholder': '统一社会信用代码、名称或地址', 'search.submit': '查询', 'search.hint': '输入至少两个字符：统一社会信用代码（或其开头）、企业名称或地址的一部分。',
  'search.count': '找到 {0} 户企业（仅限辖区内）', 'search.none': '辖区内没有符合条件的企业',
  'firm.name': '企业名称', 'firm.uscc': '统一社会信用代码', 'firm.address': '地址', 'firm.grid': '区 / 街道 / 网格',
  'firm.type': '企业类型', 'firm.industry': '行业', 'firm.status': '登记状态', 'firm.capital': '注册资本',
  'firm.wan': '万元', 'firm.established': '成立日期',
  'portrait.registry': '登记信息', 'portrait.level': '风险等级', 'portrait.score': '风险分值', 'portrait.veto': '一票否决',
  'portrait.as_of': '截至', 'portrait.model': '模型', 'portrait.aspects': '五个方面得分', 'portrait.aspect_score': '得分',
  'portrait.top': '主要扣分指标', 'portrait.indicator': '指标', 'portrait.points': '指标分', 'portrait.share': '贡献',
  'portrait.history': '历次等级', 'portrait.events': '近期事件', 'portrait.persons': '相关人员（已脱敏）',
  'portrait.person': '姓名', 'portrait.role': '职务', 'portrait.other_firms': '关联其他企业数',
  'portrait.linked': '关联企业', 'portrait.via': '关联方式', 'portrait.this_firm': '本企业',
  'portrait.outside': '另有 {0} 户不在您的辖区内（不显示）',
  'via.person': '同一人员', 'via.address': '同一地址',
  'aspect.basic': '企业基础属性信息', 'aspect.dynamic': '企业动态信息', 'aspect.supervision': '监管信息',
  'aspect.relations': '关联关系信息', 'aspect.social': '社会评价信息',
  'model.counts': '{0} 个方面 · {1} 个类别 · {2} 项指标', 'model.tree': '指标体系', 'model.tree_hint': '点击节点展开或收起；数字为权重。',
  'model.table': '全部指标及权重', 'model.aspect': '方面', 'model.category': '类别', 'model.indicator': '指标', 'model.weight': '权重',
  'quar.open': '待处理', 'quar.resolved': '已处理', 'quar.by_reason': '按原因', 'quar.reason': '原因',
  'quar.cli': '逐行查看与处理：crisk quarantine（命令行）。',
  'model.promotions': '模型晋升记录', 'model.model': '模型', 'model.method': '方法', 'model.by': '操作人', 'model.note': '说明',
  'model.created': '时间', 'model.no_promotions': '尚无晋升的模型：分类使用内置的 gz-2021 模型（crisk model promote）。',
  'job.label': '标签文件（YAML）', 'job.label_hint': 'labels/violation-12m.yaml 的内容', 'job.result': '结果',
  'job.rows': '{0} 行', 'job.run': '第 {0} 次',
  'quar.by_department': '按报送部门', 'quar.department': '部门', 'quar.reasons': '原因',
  'reason.bad_date': '日期格式错误', 'reason.bad_uscc': '统一社会信用代码格式错误', 'reason.bad_uscc_check': '统一社会信用代码校验位错误',
  'reason.missing_field': '缺少必填字段', 'reason.bad_columns': '列数不符', 'reason.bad_person_id': '身份证号错误',
  'reason.bad_json': 'JSON 格式错误', 'reason.unterminated_quote': '引号未闭合', 'reason.bad_amount': '金额错误',
  'reason.bad_coordinates': '坐标错误', 'reason.bad_division': '区划代码错误', 'reason.bad_encoding': '编码错误',
  'reason.bad_industry': '行业代码错误', 'reason.bad_key': '主键错误', 'reason.bad_quote': '引号错误', 'reason.repeated_header': '重复表头',
  'audit.hint': '每次查看企业画像和每次写操作都有记录（个人信息保护法）。', 'audit.at': '时间（UTC）', 'audit.user': '用户',
  'audit.role': '角色', 'audit.action': '操作', 'audit.object': '对象', 'audit.status': '状态码', 'audit.client': '来源地址',
  'audit.older': '更早的记录',
  'wf.detector': '预警类型', 'wf.status': '状态', 'wf.division': '区划', 'wf.summary': '摘要', 'wf.opened': '发现日期',
  'wf.closed': '关闭日期', 'wf.firms': '涉及企业', 'wf.count': '预警数', 'wf.map': '各区预警数', 'wf.list': '列表',
  'wf.xlsx': '下载月度推送表（XLSX）', 'wf.warning': '预警', 'wf.evidence': '证据', 'wf.task': '任务',
  'wf.outcome': '处置结果', 'wf.due': '期限', 'wf.overdue': '已逾期', 'wf.overdue_only': '仅逾期',
  'wf.act': '办理', 'wf.by': '办理人（花名册编号）', 'wf.note': '备注', 'wf.history': '办理记录', 'wf.at': '日期', 'wf.action': '操作',
  'wf.do.accept': '接收', 'wf.do.visit': '走访', 'wf.do.close': '办结',
  'wf.did.accept': '接收', 'wf.did.visit': '走访', 'wf.did.close': '办结', 'wf.did.dispatch': '派发', 'wf.did.escalate': '升级',
  'wf.done.accept': '已接收。', 'wf.done.visit': '已记录走访。', 'wf.done.close': '已办结。',
  'wstatus.open': '未关闭', 'wstatus.closed': '已关闭',
  'tstatus.open': '待接收', 'tstatus.accepted': '已接收', 'tstatus.visited': '已走访', 'tstatus.closed': '已办结', 'tstatus.active': '未办结',
  'insp.plans': '计划列表', 'insp.name': '名称', 'insp.day': '日期', 'insp.eligible': '检查对象库', 'insp.draw': '抽取',
  'insp.new': '新建抽查计划', 'insp.text': '计划文本（YAML）', 'insp.text_hint': '计划文件的内容，见 docs/inspect.md', 'insp.create': '创建',
  'insp.plan': '计划', 'insp.counts': '各类数量', 'insp.draws': '抽取记录', 'insp.sampled': '抽中', 'insp.void': '已作废',
  'insp.seed': '随机种子', 'insp.verify': '复核抽取', 'insp.verified': '复核一致：按计划的冻结名单和种子重新抽取，结果相同。',
  'insp.mismatch': '复核不一致！', 'insp.firms': '抽中企业', 'insp.arm': '抽取方式', 'insp.inspectors': '检查人员',
  'insp.result': '检查结果', 'insp.items': '违规事项（用 ; 分隔）', 'insp.record': '录入',
  'insp.state.open': '待录入结果', 'insp.state.done': '已录入', 'insp.state.all': '全部',
  'arm.targeted': '定向', 'arm.random': '随机', 'arm.triggered': '触发',
  'job.kind': '类型', 'job.classify': '分类', 'job.monitor': '预警监测', 'job.learn': '模型训练', 'job.as_of': '截至日期',
  'job.start': '开始', 'job.state': '状态', 'job.state.running': '运行中', 'job.state.done': '完成', 'job.state.failed': '失败',
  'job.progress': '进度', 'job.message': '说明',
  'nav.users': '用户管理', 'users.list': '用户', 'users.name': '用户名', 'users.role': '角色', 'users.scope': '辖区代码',
  'users.state': '状态', 'users.enabled': '启用', 'users.disabled': '已停用', 'users.created': '创建时间（UTC）',
  'users.sessions': '会话数', 'users.last_seen': '最近使用（UTC）', 'users.actions': '操作', 'users.self': '本人',
  'users.enable': '启用', 'users.disable': '停用', 'users.add': '新增用户', 'users.password': '初始密码',
  'users.scope_hint': '区局填 6 位区级代码，市场监管所填 9 位街道代码，网格员填 12 位网格代码；市局角色与审计不填。',
  'users.password_hint': '密码至少 8 个字符（以服务端配置 password_min_chars 为准）。', 'users.submit': '新增',
  'users.passwd': '设置密码', 'users.new_password': '新密码', 'users.current_password': '当前密码（修改本人密码时须填写）',
  'users.passwd_hint': '设置新密码或停用用户后，该用户已登录的会话全部失效。', 'users.passwd_submit': '设置密码',
  'users.done.added': '已新增用户 {0}。', 'users.done.disabled': '已停用用户 {0}，其会话已失效。',
  'users.done.enabled': '已启用用户 {0}。', 'users.done.passwd': '已为用户 {0} 设置新密码，其会话已失效。',
};

const en = {
  'nav.dashboard': 'Dashboard', 'nav.search': 'Search', 'nav.firm': 'Portrait', 'nav.warnings': 'Warnings',
  'nav.warning': 'Warning', 'nav.tasks': 'Tasks', 'nav.task': 'Task', 'nav.plans': 'Inspection plans',
  'nav.plan': 'Plan', 'nav.draw': 'Draw', 'nav.inspections': 'Inspections', 'nav.jobs': 'Jobs',
  'nav.model': 'Model', 'nav.quarantine': 'Quarantine', 'nav.audit': 'Audit log', 'nav.logout': 'Log out',
  'role.city_admin': 'City administrator', 'role.city_analyst': 'City analyst', 'role.district': 'District officer',
  'role.street': 'Street officer', 'role.grid': 'Grid inspector', 'role.auditor': 'Auditor',
  'login.title': 'Enterprise credit risk · Log in', 'login.name': 'User name', 'login.password': 'Password',
  'login.submit': 'Log in', 'login.bad': 'Wrong user name or password', 'login.limited': 'Too many failed logins; try again later',
  'common.none': 'None', 'common.all': 'All', 'common.filter': 'Filter', 'common.prev': 'Previous',
  'common.next': 'Next', 'common.showing': '{0}–{1} of {2}', 'common.yes': 'yes',
  'common.no_page': 'No such page, or your role may not see it.',
  'error.api': 'Request failed ({0} {1}): {2}', 'chart.missing': 'Charts are not built in (run scripts/setup.sh and rebuild)',
  'level.A': 'Low', 'level.B': 'Medium', 'level.C': 'Fairly high', 'level.D': 'High',
  'dash.run': 'Run {0} · as of {1} · model {2} · {3} enterprises', 'dash.no_runs': 'No classification yet: run crisk classify first.',
  'dash.firms': 'Enterprises', 'dash.map': 'Risk by district', 'dash.metric': 'Metric',
  'dash.metric.cd': 'Share fairly high or high', 'dash.metric.D': 'Share high', 'dash.metric.C': 'Share fairly high',
  'dash.metric.B': 'Share medium', 'dash.metric.A': 'Share low', 'dash.metric.count': 'Enterprises',
  'dash.high': 'high', 'dash.low': 'low', 'dash.outside': 'outside your jurisdiction', 'dash.shares': 'Level shares',
  'dash.trend': 'Level shares over runs', 'dash.division': 'Division', 'dash.divisions.district': 'Districts',
  'dash.divisions.street': 'Streets and towns', 'dash.divisions.grid': 'Grids (communities)', 'dash.workflow': 'Open warnings and overdue tasks by district',
  'dash.open_warnings': 'Open warnings', 'dash.overdue_tasks': 'Overdue tasks',
  'dash.hits': 'Hit rate by level', 'dash.hits.inspections': 'Inspections finding a problem', 'dash.hits.tasks': 'Warnings confirmed',
  'dash.hits.none': 'No inspection results or closed tasks yet.', 'dash.hits.note': 'By the levels of run {0}; tasks by their outcome (the outcomes counted as hits: hit_outcomes in the configuration).',
  'search.placeholder': 'USCC, name or address', 'search.submit': 'Search', 'search.hint': 'Type at least two characters: a USCC (or its start), or part of a name or an address.',
  'search.count': '{0} enterprises found (in your jurisdiction only)', 'search.none': 'No enterprise in your jurisdiction matches',
  'firm.name': 'Name', 'firm.uscc': 'USCC', 'firm.address': 'Address', 'firm.grid': 'District / street / grid',
  'firm.type': 'Type', 'firm.industry': 'Industry', 'firm.status': 'Registry status', 'firm.capital': 'Registered capital',
  'firm.wan': '×10k yuan', 'firm.established': 'Established',
  'portrait.registry': 'Registry', 'portrait.level': 'Risk level', 'portrait.score': 'Score', 'portrait.veto': 'Veto',
  'portrait.as_of': 'As of', 'portrait.model': 'Model', 'portrait.aspects': 'The five aspects', 'portrait.aspect_score': 'score',
  'portrait.top': 'Largest contributions', 'portrait.indicator': 'Indicator', 'portrait.points': 'Points', 'portrait.share': 'Contribution',
  'portrait.history': 'Level history', 'portrait.events': 'Recent events', 'portrait.persons': 'Persons (masked)',
  'portrait.person': 'Name', 'portrait.role': 'Role', 'portrait.other_firms': 'Other firms',
  'portrait.linked': 'Linked firms', 'portrait.via': 'Linked by', 'portrait.this_firm': 'this firm',
  'portrait.outside': '{0} more outside your jurisdiction (not shown)',
  'via.person': 'same person', 'via.address': 'same address',
  'aspect.basic': 'Basic attributes', 'aspect.dynamic': 'Dynamics', 'aspect.supervision': 'Supervision',
  'aspect.relations': 'Relations', 'aspect.social': 'Social evaluation',
  'model.counts': '{0} aspects · {1} categories · {2} indicators', 'model.tree': 'The indicator tree', 'model.tree_hint': 'Click a node to open or close it; numbers are weights.',
  'model.table': 'Every indicator and its weight', 'model.aspect': 'Aspect', 'model.category': 'Category', 'model.indicator': 'Indicator', 'model.weight': 'Weight',
  'quar.open': 'Open', 'quar.resolved': 'Resolved', 'quar.by_reason': 'By reason', 'quar.reason': 'Reason',
  'quar.cli': 'Row by row: crisk quarantine (command line).',
  'model.promotions': 'Promoted models', 'model.model': 'Model', 'model.method': 'Method', 'model.by': 'By', 'model.note': 'Note',
  'model.created': 'When', 'model.no_promotions': 'No promoted model: classification uses the shipped gz-2021 (crisk model promote).',
  'job.label': 'Label file (YAML)', 'job.label_hint': 'the text of labels/violation-12m.yaml', 'job.result': 'Result',
  'job.rows': '{0} rows', 'job.run': 'run {0}',
  'quar.by_department': 'By department', 'quar.department': 'Department', 'quar.reasons': 'Reasons',
  'reason.bad_date': 'bad date', 'reason.bad_uscc': 'malformed USCC', 'reason.bad_uscc_check': 'USCC check digit wrong',
  'reason.missing_field': 'required field missing', 'reason.bad_columns': 'wrong number of columns', 'reason.bad_person_id': 'bad ID number',
  'reason.bad_json': 'bad JSON', 'reason.unterminated_quote': 'unterminated quote', 'reason.bad_amount': 'bad amount',
  'reason.bad_coordinates': 'bad coordinates', 'reason.bad_division': 'bad division code', 'reason.bad_encoding': 'bad encoding',
  'reason.bad_industry': 'bad industry code', 'reason.bad_key': 'bad key', 'reason.bad_quote': 'bad quote', 'reason.repeated_header': 'repeated header',
  'audit.hint': 'Every portrait read and every write is logged (PIPL).', 'audit.at': 'Time (UTC)', 'audit.user': 'User',
  'audit.role': 'Role', 'audit.action': 'Action', 'audit.object': 'Object', 'audit.status': 'Status', 'audit.client': 'Client',
  'audit.older': 'Older entries',
  'wf.detector': 'Detector', 'wf.status': 'Status', 'wf.division': 'Division', 'wf.summary': 'Summary', 'wf.opened': 'Opened',
  'wf.closed': 'Closed', 'wf.firms': 'Firms', 'wf.count': 'Warnings', 'wf.map': 'Warnings by district', 'wf.list': 'List',
  'wf.xlsx': 'Download the monthly push workbook (XLSX)', 'wf.warning': 'Warning', 'wf.evidence': 'Evidence', 'wf.task': 'Task',
  'wf.outcome': 'Outcome', 'wf.due': 'Due', 'wf.overdue': 'overdue', 'wf.overdue_only': 'Overdue only',
  'wf.act': 'Act on it', 'wf.by': 'By (roster staff id)', 'wf.note': 'Note', 'wf.history': 'History', 'wf.at': 'Day', 'wf.action': 'Action',
  'wf.do.accept': 'Accept', 'wf.do.visit': 'Visit', 'wf.do.close': 'Close',
  'wf.did.accept': 'accepted', 'wf.did.visit': 'visited', 'wf.did.close': 'closed', 'wf.did.dispatch': 'dispatched', 'wf.did.escalate': 'escalated',
  'wf.done.accept': 'Accepted.', 'wf.done.visit': 'Visit recorded.', 'wf.done.close': 'Closed.',
  'wstatus.open': 'open', 'wstatus.closed': 'closed',
  'tstatus.open': 'open', 'tstatus.accepted': 'accepted', 'tstatus.visited': 'visited', 'tstatus.closed': 'closed', 'tstatus.active': 'not closed',
  'insp.plans': 'Plans', 'insp.name': 'Name', 'insp.day': 'Day', 'insp.eligible': 'Eligible', 'insp.draw': 'Draw',
  'insp.new': 'New inspection plan', 'insp.text': 'Plan text (YAML)', 'insp.text_hint': 'The plan file, see docs/inspect.md', 'insp.create': 'Create',
  'insp.plan': 'Plan', 'insp.counts': 'Counts', 'insp.draws': 'Draws', 'insp.sampled': 'Sampled', 'insp.void': 'Void',
  'insp.seed': 'Seed', 'insp.verify': 'Verify the draw', 'insp.verified': 'Verified: drawn again from the plan\'s frozen list and seed, the same firms.',
  'insp.mismatch': 'The draw does not verify!', 'insp.firms': 'Firms drawn', 'insp.arm': 'Arm', 'insp.inspectors': 'Inspectors',
  'insp.result': 'Result', 'insp.items': 'Items violated (; separated)', 'insp.record': 'Record',
  'insp.state.open': 'Awaiting a result', 'insp.state.done': 'Recorded', 'insp.state.all': 'All',
  'arm.targeted': 'targeted', 'arm.random': 'random', 'arm.triggered': 'triggered',
  'job.kind': 'Kind', 'job.classify': 'Classification', 'job.monitor': 'Monitoring', 'job.learn': 'Learning', 'job.as_of': 'As of',
  'job.start': 'Start', 'job.state': 'State', 'job.state.running': 'running', 'job.state.done': 'done', 'job.state.failed': 'failed',
  'job.progress': 'Progress', 'job.message': 'Message',
  'nav.users': 'Users', 'users.list': 'Users', 'users.name': 'User name', 'users.role': 'Role', 'users.scope': 'Division code',
  'users.state': 'State', 'users.enabled': 'Enabled', 'users.disabled': 'Disabled', 'users.created': 'Created (UTC)',
  'users.sessions': 'Sessions', 'users.last_seen': 'Last used (UTC)', 'users.actions': 'Actions', 'users.self': 'you',
  'users.enable': 'Enable', 'users.disable': 'Disable', 'users.add': 'Add a user', 'users.password': 'Initial password',
  'users.scope_hint': 'District office: the 6-digit district code; market supervision office: the 9-digit street code; grid inspector: the 12-digit grid code; none for city roles and auditors.',
  'users.password_hint': 'At least 8 characters (the server\'s password_min_chars decides).', 'users.submit': 'Add',
  'users.passwd': 'Set a password', 'users.new_password': 'New password', 'users.current_password': 'Current password (for your own)',
  'users.passwd_hint': 'A new password or disabling a user ends every session the user has.', 'users.passwd_submit': 'Set the password',
  'users.done.added': 'User {0} added.', 'users.done.disabled': 'User {0} disabled; their sessions ended.',
  'users.done.enabled': 'User {0} enabled.', 'users.done.passwd': 'New password set for {0}; their sessions ended.',
};

export const messages = { zh, en };

let current = localStorage.getItem('crisk.lang') === 'en' ? 'en' : 'zh';
const listeners = [];

export function lang() {
  return current;
}

function apply() {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}
apply();

export function setLang(l) {
  current = l === 'en' ? 'en' : 'zh';
  localStorage.setItem('crisk.lang', current);
  apply();
  for (const f of listeners) f(current);
}

export function onLang(f) {
  listeners.push(f);
}

// The message of key in the current language, {0}… replaced by args; the key itself when
// neither table has it (pages use that to fall back to the server's own names).
export function t(key, ...args) {
  const m = messages[current][key] ?? messages.zh[key];
  if (m === undefined) return key;
  return m.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}
