import type { Analysis } from '../model.js';

export interface BlocksOptions {
  title: string;
  service?: string;
}

/** A Slack message: Block Kit blocks, fallback text, and Markdown to upload as a file when the
 *  findings do not fit Slack's limits (null when everything fits). */
export interface BlocksMessage {
  blocks: object[];
  text: string;
  overflowMarkdown: string | null;
}

export function renderBlocks(a: Analysis, opts: BlocksOptions): BlocksMessage {
  void a;
  void opts;
  throw new Error('renderBlocks: not implemented yet');
}
