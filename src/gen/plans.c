/* The inspect stage's example files for the synthetic city (docs/inspect.md): DIR/plans/annual.yaml
 * (the default ratios), the check-item list it draws its items from, and a 免罚清单 example.
 * The roster they are staffed from is roster.csv (roster.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static void check_items(gen *g, FILE *fp)
{
    (void)g;
    /* code,name,basis,qualifications: the qualifications are those of roster.csv */
    fputs("code,name,basis,qualifications\n"
          "GS-01,企业公示信息检查,《企业信息公示暂行条例》第十条,general\n"
          "GS-02,登记事项检查（住所、经营范围）,《市场主体登记管理条例》,general\n"
          "SP-01,食品生产经营检查,《食品安全法》,general;food\n"
          "ZL-01,产品质量检查,《产品质量法》,general;quality\n"
          "TS-01,特种设备安全检查,《特种设备安全法》,general;special_equipment\n"
          "JG-01,价格行为检查,《价格法》,general;pricing\n"
          "GG-01,广告发布检查,《广告法》,general;ads\n",
          fp);
}

static void no_penalty(gen *g, FILE *fp)
{
    (void)g;
    fputs("基本编码,事项名称,适用情形\n"
          "MF-GS-01,未按规定期限公示年度报告,首次违法、及时改正且危害后果轻微\n"
          "MF-GS-02,未按规定公示即时信息,首次违法、及时改正且危害后果轻微\n"
          "MF-GS-03,未按规定办理住所变更登记,首次违法、及时改正且危害后果轻微\n"
          "MF-GG-01,广告未显著标明关键信息,首次违法、及时改正且没有造成危害后果\n",
          fp);
}

static void annual(gen *g, FILE *fp)
{
    fprintf(
        fp,
        "# 年度企业信用风险分类双随机抽查计划 (docs/inspect.md). Written by crisk gen.\n"
        "name: %d年度企业信用风险分类双随机抽查\n"
        "year: %d\n"
        "batch: 第一批\n"
        "routine: true\n"
        "check_items: check_items.csv\n"
        "items: [GS-01, GS-02]\n"
        "scope:\n"
        "  levels: ABCD\n"
        "# Sampling ratio per level: the Yuexiu 2021 parameters (DOMAIN.md §1.4).\n"
        "ratios: {A: 5%%, B: 15%%, C: 30%%, D: 50%%}\n"
        "# Other localities' tables (DOMAIN.md §1.4), for comparison:\n"
        "#   Yancheng 2022:  {A: 3%%, B: 10%%, C: 40%%, D: 80%%}    (<=3, 3-20, 30-50, >=80)\n"
        "#   Lindian 2024:   {A: 5%%, B: 15%%, C: 40%%, D: 80%%}    (<=5, 5-20, 21-60, 61-100)\n"
        "#   Henan 2020:     {A: 1%%, B: 8%%, C: 20%%, D: 100%%}    (低 1, 中 8, 中高 20, 高 100)\n"
        "mode: {A: off-site, B: on-site, C: on-site, D: on-site}\n"
        "random_share: 10%%      # the uniform-random arm, kept for unbiased learning\n"
        "inspectors: 2           # per inspection, at least 2 (DOMAIN.md §2)\n"
        "workload_cap: 30        # inspections per inspector and draw\n"
        "exemptions:\n"
        "  recent_days: 365      # drawn by a routine plan within 12 months\n"
        "  deregistered: [注销, 吊销, 吊销，未注销, 吊销，已注销, 撤销]  # whole status values\n"
        "  tolerance_tag: high_tech\n"
        "  tolerance_years: 2    # [NF] DOMAIN.md §1.3: 28,000 high-tech firms, triggered only\n"
        "triggers:\n"
        "  open_warnings: true\n"
        "  complaint_kinds: [complaint]\n"
        "  complaint_days: 90    # crisk default [NF]\n"
        "no_penalty:\n"
        "  list: no_penalty.csv\n"
        "  window_days: 365      # crisk default [NF]: a repeat within it is penalised\n",
        g->o->start_year + g->o->years, g->o->start_year + g->o->years);
}

cr_err cr__gen_plans(gen *g)
{
    char path[600];
    snprintf(path, sizeof path, "%s/plans", g->o->out_dir);
    if (mkdir(path, 0777) && errno != EEXIST)
        return cr_diag_set(g->d, CR_EIO, path, 0, 0, "cannot create folder: %s", strerror(errno));
    cr_err rc = cr__gen_write_file(g, "plans/check_items.csv", check_items);
    if (!rc)
        rc = cr__gen_write_file(g, "plans/no_penalty.csv", no_penalty);
    if (!rc)
        rc = cr__gen_write_file(g, "plans/annual.yaml", annual);
    return rc;
}
