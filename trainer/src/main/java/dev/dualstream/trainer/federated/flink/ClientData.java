package dev.dualstream.trainer.federated.flink;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One client's clicks as the job groups them; in no particular order until {@link FederatedRounds}
 * sorts them by their place in the log. Public only so that Flink serializes it as a POJO.
 */
public record ClientData(String client, FederatedJob.Click[] clicks) implements Serializable {
  public ClientData {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(clicks, "clicks");
  }

  static ClientData of(FederatedJob.Click click) {
    return new ClientData(click.client(), new FederatedJob.Click[] {click});
  }

  static ClientData merge(ClientData a, ClientData b) {
    FederatedJob.Click[] both = Arrays.copyOf(a.clicks, a.clicks.length + b.clicks.length);
    System.arraycopy(b.clicks, 0, both, a.clicks.length, b.clicks.length);
    return new ClientData(a.client, both);
  }
}
