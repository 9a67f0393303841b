/**
 * The two ways reading an image can fail. Both end `repro-pins verify` with exit 2 and never give
 * a verdict: a build whose bytes cannot be trusted or read proves nothing either way.
 */
export type OciErrorKind =
  /** A blob does not hash to its name, a size or diffID does not match what refers to it. */
  | 'integrity'
  /** Missing, unreadable or malformed input: not an OCI layout, archive or artifact folder. */
  | 'invalid';

export class OciError extends Error {
  constructor(
    readonly kind: OciErrorKind,
    /** The file or folder the problem is in, as the user gave it. */
    readonly location: string,
    message: string,
  ) {
    super(`${location}: ${message}`);
    this.name = 'OciError';
  }
}

export function integrityError(location: string, message: string): OciError {
  return new OciError('integrity', location, message);
}

export function invalidInput(location: string, message: string): OciError {
  return new OciError('invalid', location, message);
}
