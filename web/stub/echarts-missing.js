// Stands in for Apache ECharts when node_modules was missing at build (run scripts/setup.sh):
// the pages show their tables and say that charts are not built in.
window.echarts = null;
