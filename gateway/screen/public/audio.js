// Alarm tones in the browser (Web Audio), one pattern per priority after IEC 60601-1-8 (clause 6.3.3,
// Table 3 burst characteristics): high = 10 pulses as 3 + 2, pause, 3 + 2; medium = 3 pulses; low = 1-2 pulses.
// Only the highest priority that is active, unacknowledged and not audio-paused sounds.
const PATTERNS = {
  high: { pulses: [0, 0.2, 0.4, 1.0, 1.2, 2.0, 2.2, 2.4, 3.0, 3.2], repeatS: 8, freq: 880 },
  medium: { pulses: [0, 0.25, 0.5], repeatS: 7, freq: 660 },
  low: { pulses: [0, 0.35], repeatS: 25, freq: 520 },
};

export class Annunciator {
  constructor() { this.ctx = null; this.current = null; this.timer = null; }

  enable() {
    if (!this.ctx) this.ctx = new AudioContext();
    this.ctx.resume();
  }

  update(audibleAlarms) {
    const rank = { high: 3, medium: 2, low: 1 };
    const top = audibleAlarms.reduce((best, a) => (!best || rank[a.priority] > rank[best] ? a.priority : best), null);
    document.body.dataset.sounding = top ?? 'none';
    if (top === this.current) return;
    this.current = top;
    clearInterval(this.timer);
    this.timer = null;
    if (!top || !this.ctx) return;
    const play = () => this.burst(PATTERNS[top]);
    play();
    this.timer = setInterval(play, PATTERNS[top].repeatS * 1000);
  }

  burst(p) {
    const t0 = this.ctx.currentTime + 0.05;
    for (const offset of p.pulses) {
      const osc = this.ctx.createOscillator();
      const gain = this.ctx.createGain();
      osc.frequency.value = p.freq;
      gain.gain.setValueAtTime(0, t0 + offset);
      gain.gain.linearRampToValueAtTime(0.4, t0 + offset + 0.02);
      gain.gain.setValueAtTime(0.4, t0 + offset + 0.13);
      gain.gain.linearRampToValueAtTime(0, t0 + offset + 0.15);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(t0 + offset);
      osc.stop(t0 + offset + 0.16);
    }
  }
}
