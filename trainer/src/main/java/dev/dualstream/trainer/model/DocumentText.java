package dev.dualstream.trainer.model;

import java.util.Objects;

/** A document as an encoder sees it. */
public record DocumentText(String id, String title, String text) {
  public DocumentText {
    Objects.requireNonNull(id, "id");
    title = title == null ? "" : title;
    text = text == null ? "" : text;
  }
}
