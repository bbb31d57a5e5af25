// Alarm tones in the browser (Web Audio). The burst patterns are the buzzer's (gateway/buzzer/patterns.ts, after
// IEC 60601-1-8 6.3.3.1: high = 10 pulses as 3 + 2, pause, 3 + 2; medium = 3 pulses; low = 1 pulse), fetched from
// the gateway as /alarm-patterns.json so the screen and the buzzer cannot disagree. The tone has a fundamental in
// 150-1000 Hz and 4 harmonics of similar level (IEC 60601-1-8 asks for at least 4 within +-15 dB).
// Only the highest priority that is active, unacknowledged and not audio-paused sounds.
const FALLBACK = {
  high: { pulses: [150, 150, 150, 150, 150, 150, 150, 150, 150, 150], gaps: [100, 100, 350, 100, 1000, 100, 100, 350, 100, 10000], frequencyHz: 880 },
  medium: { pulses: [200, 200, 200], gaps: [200, 200, 25000], frequencyHz: 660 },
  low: { pulses: [200], gaps: [30000], frequencyHz: 520 },
};

export class AlarmTone {
  constructor() {
    this.ctx = null;
    this.wave = null;
    this.current = null;
    this.timer = null;
    this.patterns = FALLBACK;
    fetch('/alarm-patterns.json').then((r) => (r.ok ? r.json() : null)).then((p) => { if (p && p.high) this.patterns = p; }).catch(() => {});
  }

  get enabled() {
    return !!this.ctx && this.ctx.state === 'running';
  }

  /** Must run inside a click handler (browsers' autoplay rule). */
  async enable() {
    if (!this.ctx) {
      this.ctx = new AudioContext();
      const harmonics = 6; // fundamental + 4 harmonics at falling but close levels (within 15 dB)
      const real = new Float32Array(harmonics);
      const imag = new Float32Array(harmonics);
      [0, 1, 0.8, 0.6, 0.45, 0.35].forEach((a, i) => (imag[i] = a));
      this.wave = this.ctx.createPeriodicWave(real, imag);
    }
    await this.ctx.resume();
    const p = this.current;
    this.current = null;
    this.play(p);
  }

  /** Sounds `priority`'s burst repeatedly, or stops with null. A change restarts at once with the new burst. */
  play(priority) {
    if (priority === this.current) return;
    this.current = priority;
    clearTimeout(this.timer);
    this.timer = null;
    if (!priority || !this.enabled) return;
    const loop = () => {
      const p = this.patterns[priority];
      const ms = this.burst(p);
      this.timer = setTimeout(loop, ms);
    };
    loop();
  }

  /** Schedules one burst; returns its length including the interburst interval (ms). */
  burst(p) {
    const t0 = this.ctx.currentTime + 0.03;
    let t = 0;
    p.pulses.forEach((d, i) => {
      const start = t0 + t / 1000;
      const end = start + d / 1000;
      const rise = (d / 1000) * 0.15; // rise and fall 10-20 % of the pulse
      const osc = this.ctx.createOscillator();
      const gain = this.ctx.createGain();
      osc.setPeriodicWave(this.wave);
      osc.frequency.value = p.frequencyHz;
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(0.35, start + rise);
      gain.gain.setValueAtTime(0.35, end - rise);
      gain.gain.linearRampToValueAtTime(0, end);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(start);
      osc.stop(end + 0.01);
      t += d + (p.gaps[i] ?? 0);
    });
    return t;
  }
}
