package dev.dualstream.deploy.k8s;

import java.util.regex.Pattern;

/**
 * An image reference, {@code name[:tag][@digest]}; the name may hold a registry with a port
 * ({@code host:5000/repo}), so the tag is what follows the last colon after the last slash.
 */
record ImageReference(String name, String tag, String digest) {
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  static ImageReference parse(String reference) {
    String rest = reference;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
    }
    return new ImageReference(rest, tag, digest);
  }

  /** A well-formed sha256 digest. */
  boolean hasDigest() {
    return digest != null && DIGEST.matcher(digest).matches();
  }

  /** Pinned: by a digest, or by a tag other than latest (a release's tag, which a registry can protect). */
  boolean pinned() {
    return hasDigest() || (digest == null && tag != null && !tag.isEmpty() && !tag.equals("latest"));
  }
}
