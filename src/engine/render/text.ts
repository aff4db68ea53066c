import type { Analysis } from '../model.js';

export interface TextOptions {
  /** ANSI colour; the CLI passes true only on a TTY. */
  color: boolean;
}

export function renderText(a: Analysis, opts: TextOptions): string {
  void a;
  void opts;
  throw new Error('renderText: not implemented yet');
}
