/**
 * How the capture parser sees a file format: a sequence of self-delimiting records whose length can be
 * read from a fixed-size header. The parser (capture-parser.ts) owns chunking, records that straddle
 * chunk boundaries, and resynchronisation after corruption; a format only answers these questions.
 */
export interface RecordFormat {
  /** Bytes needed at the start of a record to know its length. */
  readonly headerSize: number
  /** Alignment of records in the file, used to step while scanning for the next plausible record. */
  readonly scanStep: number
  /** Total length of the record starting at `off`, or -1 when the header cannot be right. */
  recordLength(buf: Buffer, off: number): number
  /**
   * Handles one complete record. Returns false when the record turns out to be corrupt (the parser
   * then skips forward to the next plausible record).
   */
  parse(buf: Buffer, off: number, length: number, fileOffset: number): boolean
  /**
   * While resynchronising: does a record plausibly start at `off`? `more` when the answer needs bytes
   * beyond `end` and more may come; with `eof` set nothing more will come and the answer is final.
   */
  plausibleAt(buf: Buffer, off: number, end: number, eof: boolean): 'yes' | 'no' | 'more'
  /** Describes the record at `off` for a warning message ("EPB of 120 bytes"). */
  describe(buf: Buffer, off: number): string
}
