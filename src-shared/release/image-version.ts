/** The version label value of an image: its tag, or `latest`. */
export function imageVersion(image: string): string {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? image.slice(at + 1) : 'latest';
}
