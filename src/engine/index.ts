// The engine's public API: everything outside src/engine imports from here, never from the modules.
// Pure: no I/O, no clock, no Slack. Input is Snapshots (from ingest), output is an Analysis that
// every renderer turns into text for its medium.

export type * from './model.js';
export { readSnapshot, readSnapshots, parseDump, parseDumps, textFeed, DumpFormatError } from './ingest.js';
export { otherProfileText } from './parse/detect.js';
export type { DumpFeed, IngestOptions } from './ingest.js';
export type { AnalyzeOptions } from './rank.js';
export { analyze, compare } from './rank.js';
export { PATTERNS, patternInfo } from './patterns.js';
export type { PatternInfo } from './patterns.js';
// compileIgnore: validate user ignore patterns up front (config load), with an error naming the bad one.
export { BENIGN_PATTERNS, compileIgnore } from './benign.js';
export { matchSeries } from './diff.js';
// The evidence table behind every confidence (README "How it decides" prints it).
export { EVIDENCE, THRESHOLDS, evidenceTableMarkdown } from './verdict.js';
export type { EvidenceRow } from './verdict.js';
export { findHangs } from './hang.js';
export type { GroupSeries } from './diff.js';
export { renderText } from './render/text.js';
export type { TextOptions } from './render/text.js';
export { renderMarkdown } from './render/markdown.js';
export type { MarkdownOptions } from './render/markdown.js';
export { renderJson, toJsonReport } from './render/json.js';
export type { JsonReport } from './render/json.js';
export { renderBlocks, escapeMrkdwn, BLOCK_LIMITS } from './render/blocks.js';
export type { BlocksOptions, BlocksMessage } from './render/blocks.js';
