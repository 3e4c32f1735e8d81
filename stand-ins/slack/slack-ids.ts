import { randomBytes } from 'node:crypto';

function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}

/** The identifiers Slack hands out, in Slack's formats. */
export class SlackIdMinter {
  #lastTsMicros = 0;
  #views = 0;
  #triggers = 0;

  /** '1700000000.000100' — microseconds since the epoch, strictly increasing */
  messageTs(now = Date.now()): string {
    const micros = Math.max(now * 1000, this.#lastTsMicros + 1);
    this.#lastTsMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** 'V0000000001'-style; sequential so test output reads in order */
  viewId(): string {
    this.#views += 1;
    return `V${String(this.#views).padStart(10, '0')}`;
  }

  /** '1700000020.abcdef12' — changes on every update of a view */
  viewHash(now = Date.now()): string {
    return `${Math.floor(now / 1000)}.${randomHex(8)}`;
  }

  /** '13345224609.738474920.8088930838d88f008e0'-style: two numbers and a hex tail */
  triggerId(now = Date.now()): string {
    this.#triggers += 1;
    return `${Math.floor(now / 1000)}${String(this.#triggers).padStart(4, '0')}.${String(now % 1_000_000_000).padStart(9, '0')}.${randomHex(32)}`;
  }

  responseUrlToken(): string {
    return randomHex(24);
  }

  actionTs(now = Date.now()): string {
    return (now / 1000).toFixed(6);
  }
}
