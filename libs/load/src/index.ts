/**
 * Load generation for the running shop ("load-testing the gateway", one of the design document's purposes):
 * the engine (`runLoad`: open model at a promised arrival rate with ramps, or closed with N virtual users),
 * the scenarios (browse, checkout, a weighted mix, a scenario file), k6-like thresholds, and the report as
 * JSON, a terminal table and one self-contained HTML page. Used by `npm run load` and the console's traffic
 * controls; no Node.js APIs, so the browser runs the same engine.
 */
export { arrivalTimesMs, parseStages, stageArrivals, totalDurationS, MAX_RATE } from './arrival-schedule';
export type { Stage } from './arrival-schedule';
export { needsToken } from './customer-sessions';
export { runLoad } from './load-engine';
export type { ClosedModel, LoadOptions, LoadRun, OpenModel, Progress } from './load-engine';
export { buildReport, progressLine, summaryTable } from './load-report';
export type { LoadReport, TimelinePoint } from './load-report';
export { isError } from './recorder';
export { seededRandom } from './seeded-random';
export { renderHtmlReport, statusClass } from './report-html';
export { browse, builtInScenarios, checkout, DEFAULT_SKUS, mix, parseMix, scenarioFromFile } from './scenarios';
export type { Answer, LoadContext, RequestOptions, Scenario, ScenarioFile } from './scenarios';
export { evaluateThreshold, parseThreshold } from './thresholds';
export type { Threshold, ThresholdResult } from './thresholds';
