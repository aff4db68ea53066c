import type { Analysis } from '../model.js';

export interface MarkdownOptions {
  title?: string;
}

export function renderMarkdown(a: Analysis, opts: MarkdownOptions = {}): string {
  void a;
  void opts;
  throw new Error('renderMarkdown: not implemented yet');
}
