/**
 * A one-way latch: closed until `open()`, then open for good. Commands wait on the gate of
 * their segment; lanes subscribe to be told when a gate they are blocked on opens.
 */
export class Gate {
  private listeners: Array<() => void> | null = [];

  static readonly OPEN: Gate = (() => {
    const gate = new Gate();
    gate.open();
    return gate;
  })();

  get isOpen(): boolean {
    return this.listeners === null;
  }

  open(): void {
    const listeners = this.listeners;
    if (listeners === null) return;
    this.listeners = null;
    for (const listener of listeners) listener();
  }

  /** Calls `listener` once, when the gate opens (at once if it is open). */
  whenOpen(listener: () => void): void {
    if (this.listeners === null) listener();
    else this.listeners.push(listener);
  }
}
