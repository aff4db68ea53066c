// Stacks that are steady parts of a healthy Go process: never findings. Users extend the list with
// regexes (config `ignore`, CLI --ignore), like goleak's IgnoreTopFunction / IgnoreAnyFunction.
export const BENIGN_PATTERNS: readonly RegExp[] = [];
