/** The colour class of a traffic track: blue, green, stable and canary keep their own colour everywhere. */
export function trackColourClass(track: string, index: number): string {
  const named: Readonly<Record<string, string>> = {
    blue: 'track-blue',
    green: 'track-green',
    stable: 'track-stable',
    canary: 'track-canary',
    control: 'track-stable',
    baseline: 'track-stable',
  };
  return named[track.toLowerCase()] ?? `seg-${index % 4}`;
}

/**
 * Whether a label of `chars` characters fits inside a bar segment of `percent` % of a bar `barPx` pixels wide
 * (12 px text, about 7 px a character, 12 px of padding); a label that does not fit goes in the legend only.
 */
export function labelFits(chars: number, percent: number, barPx: number): boolean {
  return (percent / 100) * barPx >= chars * 7 + 12;
}
