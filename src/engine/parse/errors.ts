/** Input that is not a goroutine profile. The message names what was expected. */
export class DumpFormatError extends Error {
  override name = 'DumpFormatError';
}
