/* Tables of the synthetic city: departments, event kinds and topic names, names and roads.
 * Data, not code: a new kind or department is a new row here. Rates are per enterprise-year
 * before the risk multiplier exp(beta * z); they are modelling choices of the generator, not
 * policy, documented in docs/synthetic-city.md. */
#ifndef CRISK_GEN_TABLES_H
#define CRISK_GEN_TABLES_H

#include "internal.h" /* the enterprise flags */

enum gen_kind {
    K_PENALTY,
    K_INSPECTION,
    K_LICENCE,
    K_COMPLAINT,
    K_CREDIT_GOOD,
    K_COMMITMENT,
    K_FILING,
    K_TAX_ARREARS,
    K_SOCIAL_ARREARS,
    K_JUDGMENT,
    K_DISHONEST,
    K_ABNORMAL,
    K_ANNUAL_REPORT,
    K_CHANGE,
    K_QUALITY_FAIL,
    K_CERTIFICATE,
    K_DIRECT_SELLING,
    K_TAX_FILING,
    K_SOCIAL_PAYMENT,
    K_UTILITY,
    K_SERIOUS,
    K__N
};

/* Department templates. City-level departments exist once; district-level ones once per
 * district, named with the district. Each lists the kinds of its own topics; every department
 * is then padded with generic topics to 20. */
struct gen_dept_def {
    const char *name; /* "%s" is replaced by the district name for district-level departments */
    int per_district;
    int kinds[10]; /* terminated by -1 */
};

/* clang-format off */
static const struct gen_dept_def gen_depts[] = {
    {"广州市市场监督管理局",
     0,
     {K_PENALTY, K_INSPECTION, K_ABNORMAL, K_ANNUAL_REPORT, K_CHANGE, K_QUALITY_FAIL,
      K_DIRECT_SELLING, K_SERIOUS, -1}},
    {"国家税务总局广州市税务局", 0, {K_TAX_ARREARS, K_CREDIT_GOOD, K_PENALTY, -1}},
    {"广州市人力资源和社会保障局", 0, {K_SOCIAL_ARREARS, K_PENALTY, -1}},
    {"广州市中级人民法院", 0, {K_JUDGMENT, K_DISHONEST, -1}},
    {"广州市生态环境局", 0, {K_PENALTY, K_LICENCE, -1}},
    {"广州市应急管理局", 0, {K_PENALTY, K_LICENCE, K_INSPECTION, -1}},
    {"广州市住房和城乡建设局", 0, {K_PENALTY, K_LICENCE, -1}},
    {"广州市科学技术局", 0, {K_CERTIFICATE, K_CREDIT_GOOD, -1}},
    {"广州市商务局", 0, {K_LICENCE, K_FILING, -1}},
    {"广州市公安局", 0, {K_PENALTY, K_LICENCE, -1}},
    {"广州市卫生健康委员会", 0, {K_PENALTY, K_LICENCE, K_INSPECTION, -1}},
    {"广州市交通运输局", 0, {K_PENALTY, K_LICENCE, -1}},
    {"广州市文化广电旅游局", 0, {K_PENALTY, K_LICENCE, -1}},
    {"广州市城市管理和综合执法局", 0, {K_PENALTY, K_COMPLAINT, -1}},
    {"广州市规划和自然资源局", 0, {K_PENALTY, K_LICENCE, -1}},
    {"中华人民共和国广州海关", 0, {K_PENALTY, K_CREDIT_GOOD, -1}},
    {"广州市消防救援支队", 0, {K_PENALTY, K_INSPECTION, -1}},
    {"广州市医疗保障局", 0, {K_SOCIAL_ARREARS, K_PENALTY, -1}},
    {"广州住房公积金管理中心", 0, {K_SOCIAL_ARREARS, -1}},
    {"广州供电局", 0, {K_UTILITY, -1}},
    {"广州市自来水有限公司", 0, {K_FILING, -1}},
    {"广州市政务服务和数据管理局（12345热线）", 0, {K_COMPLAINT, -1}},
    {"广州市知识产权局", 0, {K_PENALTY, K_CREDIT_GOOD, -1}},
    {"广州市发展和改革委员会", 0, {K_CREDIT_GOOD, K_COMMITMENT, -1}},
    {"广州市工业和信息化局", 0, {K_CREDIT_GOOD, K_FILING, -1}},
    {"广州仲裁委员会", 0, {K_JUDGMENT, -1}},
    {"广州互联网法院", 0, {K_JUDGMENT, -1}},
    {"广州知识产权法院", 0, {K_JUDGMENT, -1}},
    {"广州市烟草专卖局", 0, {K_LICENCE, K_PENALTY, -1}},
    {"国家金融监督管理总局广东监管局（广州）", 0, {K_PENALTY, -1}},
    {"%s市场监督管理局", 1, {K_PENALTY, K_INSPECTION, K_ABNORMAL, K_COMPLAINT, K_LICENCE, -1}},
    {"%s人民法院", 1, {K_JUDGMENT, K_DISHONEST, -1}},
    {"国家税务总局广州市%s税务局", 1, {K_TAX_FILING, K_TAX_ARREARS, K_PENALTY, -1}},
    {"%s人力资源和社会保障局", 1, {K_SOCIAL_PAYMENT, K_SOCIAL_ARREARS, K_PENALTY, -1}},
    {"广州市生态环境局%s分局", 1, {K_PENALTY, K_INSPECTION, -1}},
    {"%s应急管理局", 1, {K_PENALTY, K_INSPECTION, -1}},
    {"%s住房和城乡建设局", 1, {K_PENALTY, K_LICENCE, -1}},
    {"%s城市管理和综合执法局", 1, {K_PENALTY, K_COMPLAINT, -1}},
    {"%s卫生健康局", 1, {K_PENALTY, K_LICENCE, -1}},
    {"广州市公安局%s分局", 1, {K_PENALTY, -1}},
    {"%s消防救援大队", 1, {K_INSPECTION, K_PENALTY, -1}},
};
/* clang-format on */

/* Kinds used to pad every department to GEN_TOPICS_PER_DEPT topics. */
static const int gen_filler_kinds[] = {K_FILING, K_INSPECTION, K_LICENCE, K_COMMITMENT,
                                       K_COMPLAINT};
static const char *const gen_filler_names[] = {
    "业务办理记录", "备案信息",         "资料报送记录", "日常检查记录", "现场核查信息",
    "许可事项信息", "资质认定信息",     "信用承诺信息", "咨询投诉记录", "政务服务事项",
    "公共服务记录", "行政确认信息",     "行政给付信息", "行政奖励信息", "行政裁决信息",
    "行政征收信息", "其他行政权力事项", "统计报送信息", "专项整治记录", "约谈记录"};

#define GEN_TOPICS_PER_DEPT 20

static const char *const gen_surnames[] = {"陈", "李", "黄", "张", "梁", "刘", "林", "王", "吴",
                                           "何", "罗", "郑", "杨", "谢", "周", "邓", "冯", "曾",
                                           "钟", "麦", "关", "区", "叶", "潘", "朱"};
static const char *const gen_given[] = {"伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
                                        "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚",
                                        "华", "辉", "健", "婷", "俊", "嘉", "锦", "志", "国", "文"};
static const char *const gen_trade[] = {
    "穗",   "粤",   "珠",   "羊城", "花城", "南方", "华南", "岭南", "天越", "恒达", "瑞丰",
    "鑫源", "宏图", "嘉禾", "万隆", "富力", "远航", "启明", "云帆", "中科", "佳美", "金沙",
    "海晟", "德信", "荣盛", "锐思", "新程", "汇通", "博睿", "泰和", "骏业", "联创"};
static const char *const gen_types[] = {"有限责任公司（自然人投资或控股）",
                                        "有限责任公司（法人独资）",
                                        "股份有限公司（非上市、自然人投资或控股）",
                                        "个人独资企业",
                                        "普通合伙企业",
                                        "有限责任公司（外商投资、非独资）",
                                        "有限责任公司分公司（自然人投资或控股）"};
static const double gen_type_weights[] = {0.62, 0.10, 0.05, 0.08, 0.03, 0.04, 0.08};

/* Real roads of each district, in district file order (荔湾 … 增城). */
static const char *const gen_roads[11][6] = {
    {"中山八路", "康王中路", "芳村大道中", "花地大道北", "龙津西路", "黄沙大道"},
    {"中山五路", "北京路", "环市东路", "东风中路", "解放北路", "越秀南路"},
    {"新港中路", "江南大道中", "工业大道北", "昌岗中路", "宝岗大道", "琶洲大道"},
    {"天河路", "天河北路", "体育西路", "黄埔大道西", "中山大道西", "科韵路"},
    {"白云大道北", "机场路", "广园中路", "同和路", "石井大道", "云城西路"},
    {"科学大道", "开创大道", "黄埔东路", "香雪大道", "开发大道", "大沙东路"},
    {"繁华路", "迎宾路", "汉溪大道东", "番禺大道北", "亚运大道", "清河东路"},
    {"新华路", "迎宾大道", "凤凰北路", "商业大道", "云山大道", "茶园路"},
    {"港前大道", "进港大道", "蕉门路", "环市大道南", "金岭北路", "海滨路"},
    {"河滨北路", "新城路", "从城大道", "中田路", "江埔路", "府前路"},
    {"府佑路", "荔城大道", "港口大道", "增城大道", "挂绿路", "创强路"},
};
/* Relative number of enterprises per district (荔湾 … 增城). */
static const double gen_district_weights[11] = {0.07, 0.08, 0.10, 0.20, 0.15, 0.08,
                                                0.12, 0.06, 0.05, 0.03, 0.06};

/* Industry sections and their share of enterprises and risk offset. */
struct gen_section {
    char section;
    double share;
    double risk;
};
static const struct gen_section gen_sections[] = {
    {'F', 0.34, 0.10}, {'L', 0.16, 0.30},  {'I', 0.08, -0.20}, {'M', 0.08, -0.30},
    {'C', 0.10, 0.10}, {'E', 0.05, 0.20},  {'H', 0.04, 0.15},  {'K', 0.03, 0.25},
    {'O', 0.03, 0.05}, {'G', 0.03, 0.05},  {'R', 0.02, 0.00},  {'A', 0.01, -0.10},
    {'N', 0.01, 0.00}, {'P', 0.01, -0.10}, {'Q', 0.01, -0.10}};

static const char *const gen_penalty_kinds[] = {"警告", "罚款", "没收违法所得、没收非法财物",
                                                "责令停产停业", "暂扣或者吊销许可证"};
static const char *const gen_violations[] = {
    "未按规定公示信息", "虚假宣传", "无照经营",         "销售不合格产品", "违反食品安全规定",
    "价格违法",         "商标侵权", "未按规定建立台账", "安全生产违法",   "环境污染"};
static const char *const gen_inspect_results[] = {"未发现问题",
                                                  "未按规定公示应当公示的信息",
                                                  "公示信息隐瞒真实情况弄虚作假",
                                                  "通过登记的住所（经营场所）无法联系",
                                                  "发现问题待后续处理",
                                                  "发现问题经责令已改正",
                                                  "未发现开展本次抽查涉及的经营活动"};
static const char *const gen_abnormal_reasons[] = {
    "未按照规定期限公示年度报告", "未在责令的期限内公示有关企业信息",
    "公示企业信息隐瞒真实情况、弄虚作假", "通过登记的住所或者经营场所无法联系"};
static const char *const gen_change_items[] = {"法定代表人", "住所",           "经营范围",
                                               "注册资本",   "股东（发起人）", "企业名称"};
static const char *const gen_complaints[] = {"产品质量", "合同纠纷", "虚假宣传", "价格",
                                             "售后服务", "食品安全", "预付卡"};

/* How an event's attribute value is drawn (events.c), with the operands of struct gen_attr_def:
 * u is a uniform draw, z the firm's hidden propensity, y and m the event's year and month. */
enum gen_attr_op {
    A_NONE,        /* no such column */
    A_PICK,        /* a uniform pick from list */
    A_PICK_MOSTLY, /* list[k] with chance p, else a uniform pick */
    A_CHOICE,      /* text[0] with chance p, else text[1] */
    A_RISK_CHOICE, /* text[0] with chance sigmoid(a + b z), else text[1] */
    A_FINDING,     /* with chance sigmoid(a + b z) a finding list[1 .. n-2], else list[0] with
                      chance p, else list[n-1] */
    A_TEXT,        /* text[0] */
    A_DEPT,        /* the name of the topic's department */
    A_TOPIC,       /* the name of the topic */
    A_PRODUCT,     /* the name of the enterprise's industry class */
    A_PENALTY_NO,  /* 穗<district>罚〔y〕<n>号 */
    A_CASE_NO,     /* （y）粤<district code>民初<n>号 */
    A_LICENCE_NO,  /* XK<USCC without its first two characters><8 digits> */
    A_YEAR_SERIAL, /* text[0] y text[1] then k random digits */
    A_PRIOR_YEAR,  /* y - 1 (the year an annual report covers) */
    A_PRIOR_MONTH, /* YYYY-MM of the month before (the month a monthly filing covers) */
    A_SKEWED,      /* the whole part of a + b u u: a count with a long tail */
};

struct gen_attr_def {
    const char *col; /* the column's header; NULL ends the list */
    enum gen_attr_op op;
    const char *const *list;
    int n; /* entries in list */
    const char *text[2];
    double p, a, b;
    int k;
};

#define GEN_LIST(a) .list = (a), .n = (int)(sizeof(a) / sizeof *(a))

static const char *const gen_honours[] = {"纳税信用A级纳税人", "守合同重信用企业",
                                          "AEO高级认证企业", "诚信经营示范单位"};
static const char *const gen_commitments[] = {"告知承诺", "主动型承诺", "信用修复承诺"};
static const char *const gen_taxes[] = {"增值税", "企业所得税", "城市维护建设税", "印花税"};
static const char *const gen_insurances[] = {"养老保险", "医疗保险", "失业保险", "工伤保险",
                                             "住房公积金"};
static const char *const gen_causes[] = {"买卖合同纠纷", "劳动争议", "民间借贷纠纷", "租赁合同纠纷",
                                         "服务合同纠纷"};
static const char *const gen_serious_reasons[] = {"列入经营异常名录届满3年仍未履行相关义务",
                                                  "因食品安全违法行为受到较重行政处罚",
                                                  "因虚假宣传等违法行为受到较重行政处罚"};
static const char *const gen_test_items[] = {"标签标识", "菌落总数", "甲醛含量", "电气强度",
                                             "色牢度"};
static const char *const gen_direct_products[] = {"保健食品", "化妆品", "保洁用品", "小型厨具"};

/* How a kind's events fall in time (events.c). */
enum gen_schedule {
    S_POISSON, /* rate x years x exp(beta z - beta^2/2) events on uniform days */
    S_MONTHLY, /* one row a month per covered firm (rate: share of firms covered, lower for risky
                  ones), some months missed; split into yearly files */
    S_ANNUAL,  /* one report a year with chance sigmoid(logit(rate) + beta z), late with a
                  risk-driven chance */
    S_FLAGGED, /* one event on a uniform day for each enterprise carrying flag */
};

struct gen_kind_def {
    const char *kind;       /* catalog kind */
    const char *date_col;   /* the date column's header */
    const char *amount_col; /* NULL: no amount */
    double rate;            /* events per enterprise-year (monthly kinds: share of firms) */
    double beta;            /* risk elasticity */
    double amount_median;   /* yuan */
    enum gen_schedule schedule;
    int flag;                     /* S_FLAGGED: the enterprise flag (F_HIGHTECH, F_DIRECT) */
    double red_share;             /* share of amounts written as a red-letter correction */
    struct gen_attr_def attrs[3]; /* attribute columns and how their values are drawn */
    const char *topics[3];        /* topic name stems, one topic each */
};

/* The event kinds, a row each: a new kind is an enum entry and a row here (and a department that
 * publishes it). */
/* clang-format off */
static const struct gen_kind_def gen_kinds[K__N] = {
    /*                    kind                      date column     amount column  rate   beta  median   schedule   flag  red */
    [K_PENALTY]        = {"penalty",                "处罚决定日期", "罚没金额",    0.10,  1.5,  5000,    S_POISSON, 0, 0,
        {{.col = "处罚决定书文号", .op = A_PENALTY_NO},
         {.col = "处罚种类", .op = A_PICK_MOSTLY, GEN_LIST(gen_penalty_kinds), .p = 0.6, .k = 1},
         {.col = "违法行为类型", .op = A_PICK, GEN_LIST(gen_violations)}},
        {"行政处罚决定信息", "行政处罚结果信息", "简易程序处罚信息"}},
    [K_INSPECTION]     = {"inspection",             "检查日期",     NULL,          0.20,  0.6,  0,       S_POISSON, 0, 0,
        {{.col = "检查类型", .op = A_CHOICE, .text = {"抽查", "检查"}, .p = 0.6},
         {.col = "检查结果", .op = A_FINDING, GEN_LIST(gen_inspect_results), .a = -1.6, .b = 1.2, .p = 0.9},
         {.col = "检查实施机关", .op = A_DEPT}},
        {"日常监督检查结果", "双随机抽查结果", "专项检查记录"}},
    [K_LICENCE]        = {"licence",                "许可决定日期", NULL,          0.20, -0.2,  0,       S_POISSON, 0, 0,
        {{.col = "许可证编号", .op = A_LICENCE_NO}, {.col = "许可类别", .op = A_TOPIC}},
        {"行政许可信息", "许可证核发信息", "许可变更信息"}},
    [K_COMPLAINT]      = {"complaint",              "登记日期",     NULL,          0.35,  1.1,  0,       S_POISSON, 0, 0,
        {{.col = "投诉类别", .op = A_PICK, GEN_LIST(gen_complaints)},
         {.col = "办理结果", .op = A_CHOICE, .text = {"已办结", "调解成功"}, .p = 0.7}},
        {"投诉举报信息", "信访件办理信息", NULL}},
    [K_CREDIT_GOOD]    = {"credit_good",            "认定日期",     NULL,          0.04, -0.9,  0,       S_POISSON, 0, 0,
        {{.col = "荣誉名称", .op = A_PICK, GEN_LIST(gen_honours)}},
        {"表彰奖励信息", "守信激励名单", NULL}},
    [K_COMMITMENT]     = {"commitment",             "承诺日期",     NULL,          0.12, -0.3,  0,       S_POISSON, 0, 0,
        {{.col = "承诺类型", .op = A_PICK, GEN_LIST(gen_commitments)}},
        {"信用承诺信息", NULL, NULL}},
    [K_FILING]         = {"filing",                 "办理日期",     NULL,          0.45,  0.0,  0,       S_POISSON, 0, 0,
        {{.col = "事项名称", .op = A_TOPIC}},
        {"业务办理记录", "备案信息", "资料报送记录"}},
    [K_TAX_ARREARS]    = {"tax_arrears",            "欠税公告日期", "欠税金额",    0.03,  1.4,  20000,   S_POISSON, 0, 0,
        {{.col = "欠税税种", .op = A_PICK, GEN_LIST(gen_taxes)}},
        {"欠税公告信息", NULL, NULL}},
    [K_SOCIAL_ARREARS] = {"social_arrears",         "欠费认定日期", "欠费金额",    0.04,  1.3,  8000,    S_POISSON, 0, 0,
        {{.col = "险种", .op = A_PICK, GEN_LIST(gen_insurances)}},
        {"社会保险欠费信息", "住房公积金欠缴信息", NULL}},
    [K_JUDGMENT]       = {"judgment",               "裁判日期",     "标的金额",    0.08,  1.2,  50000,   S_POISSON, 0, 0,
        {{.col = "案号", .op = A_CASE_NO},
         {.col = "案由", .op = A_PICK, GEN_LIST(gen_causes)},
         {.col = "诉讼地位", .op = A_RISK_CHOICE, .text = {"被告", "原告"}, .a = 0.6, .b = 0.8}},
        {"裁判文书信息", "被执行人信息", NULL}},
    [K_DISHONEST]      = {"dishonest_debtor",       "发布日期",     "未履行金额",  0.008, 1.6,  80000,   S_POISSON, 0, 0,
        {{.col = "案号", .op = A_CASE_NO},
         {.col = "失信情形", .op = A_TEXT, .text = {"有履行能力而拒不履行生效法律文书确定义务"}}},
        {"失信被执行人信息", NULL, NULL}},
    [K_ABNORMAL]       = {"abnormal_list",          "列入日期",     NULL,          0.05,  1.6,  0,       S_POISSON, 0, 0,
        {{.col = "列入原因", .op = A_PICK, GEN_LIST(gen_abnormal_reasons)},
         {.col = "作出决定机关", .op = A_DEPT}},
        {"经营异常名录信息", NULL, NULL}},
    [K_ANNUAL_REPORT]  = {"annual_report",          "报送日期",     "营业总收入",  0.92, -1.5,  2000000, S_ANNUAL,  0, 0,
        {{.col = "报告年度", .op = A_PRIOR_YEAR}, {.col = "从业人数", .op = A_SKEWED, .a = 3, .b = 40}},
        {"企业年度报告信息", NULL, NULL}},
    [K_CHANGE]         = {"change",                 "变更日期",     NULL,          0.12,  0.6,  0,       S_POISSON, 0, 0,
        {{.col = "变更事项", .op = A_PICK, GEN_LIST(gen_change_items)}},
        {"登记变更信息", NULL, NULL}},
    [K_QUALITY_FAIL]   = {"quality_fail",           "抽检日期",     NULL,          0.015, 1.2,  0,       S_POISSON, 0, 0,
        {{.col = "产品名称", .op = A_PRODUCT}, {.col = "不合格项目", .op = A_PICK, GEN_LIST(gen_test_items)}},
        {"产品质量抽检不合格信息", NULL, NULL}},
    [K_CERTIFICATE]    = {"certificate",            "发证日期",     NULL,          0,     0,    0,       S_FLAGGED, F_HIGHTECH, 0,
        {{.col = "证书编号", .op = A_YEAR_SERIAL, .text = {"GR", "44"}, .k = 6},
         {.col = "证书类别", .op = A_TEXT, .text = {"高新技术企业"}}},
        {"高新技术企业认定信息", NULL, NULL}},
    [K_DIRECT_SELLING] = {"direct_selling_licence", "批准日期",     NULL,          0,     0,    0,       S_FLAGGED, F_DIRECT, 0,
        {{.col = "直销经营许可证号", .op = A_YEAR_SERIAL, .text = {"直销", ""}, .k = 4},
         {.col = "直销产品类别", .op = A_PICK, GEN_LIST(gen_direct_products)}},
        {"直销企业信息", NULL, NULL}},
    [K_TAX_FILING]     = {"tax_filing",             "申报日期",     "申报税额",    0.95,  0,    3000,    S_MONTHLY, 0, 0.01,
        {{.col = "税款所属期", .op = A_PRIOR_MONTH}},
        {"纳税申报信息", NULL, NULL}},
    [K_SOCIAL_PAYMENT] = {"social_payment",         "缴费日期",     "缴费金额",    0.75,  0,    6000,    S_MONTHLY, 0, 0,
        {{.col = "缴费月份", .op = A_PRIOR_MONTH}, {.col = "缴费人数", .op = A_SKEWED, .a = 2, .b = 30}},
        {"社会保险缴费信息", NULL, NULL}},
    [K_SERIOUS]        = {"serious_violation",      "列入日期",     NULL,          0.004, 2.0,  0,       S_POISSON, 0, 0,
        {{.col = "列入事由", .op = A_PICK, GEN_LIST(gen_serious_reasons)},
         {.col = "作出决定机关", .op = A_DEPT}},
        {"严重违法失信名单信息", NULL, NULL}},
    [K_UTILITY]        = {"utility",                "抄表日期",     "电费金额",    0.70,  0,    1200,    S_MONTHLY, 0, 0,
        {{.col = "计费月份", .op = A_PRIOR_MONTH}, {.col = "用电量", .op = A_SKEWED, .a = 200, .b = 20000}},
        {"用电信息", NULL, NULL}},
};
/* clang-format on */

static const char *const gen_roles[] = {"法定代表人", "股东", "经理", "联络员", "登记代理人"};

/* Areas of resident ID numbers: Guangzhou districts and common places of origin. */
static const char *const gen_id_areas[] = {"440103", "440104", "440105", "440106", "440111",
                                           "440113", "445202", "441402", "430102", "360102",
                                           "450102", "350102", "420102", "510104"};

/* Headers departments give the USCC column of their event feeds (the registry always uses the
 * first). */
static const char *const gen_key_headers[] = {"统一社会信用代码", "社会信用代码", "信用代码",
                                              "USCC", "统一代码"};

/* Columns of the registry and roles feeds, key first. */
static const char *const gen_registry_cols[] = {
    "统一社会信用代码", "企业名称", "企业类型", "行业代码", "注册资本(万元)",
    "成立日期",         "登记状态", "住所",     "所属区",   "所属街道",
    "所属网格",         "经度",     "纬度"};

static const char *const gen_roles_cols[] = {"统一社会信用代码", "证件号码", "姓名", "职务",
                                             "任职日期"};

#endif
