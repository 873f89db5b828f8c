// A live stream of an encounter: a snapshot, then one message per change. Each message
// has a position: the DM stream's `version`, the player stream's own `seq`. On a drop it
// reconnects with ?since=<last position> (so nothing is missed or repeated), backing
// off exponentially with jitter. Credentials never go in the URL: `protocols` gives the
// WebSocket subprotocols (the DM's ["bearer", token]).

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

export class LiveStream {
  /**
   * @param {(since: number|null) => string} url the socket URL for a position
   * @param {object} handlers onMessage(msg), onStatus("connecting"|"live"|"offline"),
   *   onDrop({opened, code}) -> Promise<boolean>: false stops reconnecting,
   *   protocols() -> string[]|undefined: the subprotocols to offer on each connection.
   */
  constructor(url, { onMessage, onStatus = () => {}, onDrop = async () => true, protocols = () => undefined }) {
    this.url = url;
    this.protocols = protocols;
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
    const socket = new WebSocket(this.url(this.version), this.protocols());
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
      const position = typeof data.version === "number" ? data.version : data.seq;
      if (data.type === "ping" || typeof position !== "number") return;
      this.attempt = 0;
      if (data.type === "event" && this.version !== null && position <= this.version) return;
      this.version = position;
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
