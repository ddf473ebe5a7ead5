// Job ids in the seed's format `job_YYYYMMDD_HHMMSS_<6 hex>` (UTC time of creation).
// Within one second the 6-hex suffix counts up from a random start, so ids made by one process never
// collide (up to 16 million per second) and ids from different processes almost never do; the
// store's UNIQUE constraint catches the rest.
import { randomInt } from 'node:crypto';

const SUFFIX_SPACE = 0x1000000;

export class JobIdGenerator {
  private second = '';
  private next = 0;
  private issued = 0;

  /** Moves the suffix to a new random start, after an id turned out to be taken (by another run). */
  reseed(): void {
    this.next = randomInt(SUFFIX_SPACE);
  }

  /** A fresh id for a job created at `now` (epoch ms). */
  generate(now: number = Date.now()): string {
    const second = utcStamp(now);
    if (second !== this.second) {
      this.second = second;
      this.next = randomInt(SUFFIX_SPACE);
      this.issued = 0;
    }
    if (this.issued >= SUFFIX_SPACE) throw new Error(`more than ${SUFFIX_SPACE} job ids requested within one second`);
    const suffix = this.next.toString(16).padStart(6, '0');
    this.next = (this.next + 1) % SUFFIX_SPACE;
    this.issued++;
    return `job_${second}_${suffix}`;
  }
}

export const JOB_ID_PATTERN = /^job_\d{8}_\d{6}_[0-9a-f]{6}$/;

function utcStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}
