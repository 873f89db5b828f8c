// A live stream of an encounter: a snapshot, then one message per version. On a
// drop it reconnects with ?since=<last version> (so nothing is missed or repeated),
// backing off exponentially with jitter.

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

export class LiveStream {
  /**
   * @param {(since: number|null) => string} url the socket URL for a version
   * @param {object} handlers onMessage(msg), onStatus("connecting"|"live"|"offline"),
   *   onDrop({opened, code}) -> Promise<boolean>: false stops reconnecting.
   */
  constructor(url, { onMessage, onStatus = () => {}, onDrop = async () => true }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.onDrop = onDrop;
    this.version = null;
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
    this.stopped = true;
  }

  get isLive() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  start(version = null) {
    this.stop();
    this.stopped = false;
    this.version = version;
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.onclose = socket.onmessage = socket.onerror = socket.onopen = null;
      socket.close(1000);
    }
  }

  connect() {
    if (this.stopped) return;
    this.onStatus("connecting");
    let opened = false;
    const socket = new WebSocket(this.url(this.version));
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.onStatus("live");
    };
    socket.onmessage = (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (data.type === "ping" || typeof data.version !== "number") return;
      this.attempt = 0;
      if (data.type === "event" && this.version !== null && data.version <= this.version) return;
      this.version = data.version;
      this.onMessage(data);
    };
    socket.onclose = async (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onStatus("offline");
      if (this.stopped) return;
      const again = await this.onDrop({ opened, code: event.code });
      if (again && !this.stopped) this.retry();
    };
  }

  retry() {
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
