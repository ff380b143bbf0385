package dev.dualstream.schemas.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Supplies a {@link KafkaBroker} to test constructors, lifecycle methods and test methods. One broker per
 * test JVM: it starts on first use and lives in the root {@link ExtensionContext.Store}, which closes it
 * after the last test of the run, so its start-up cost is paid once however many test classes use it.
 */
public final class KafkaBrokerExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KafkaBroker.class;
  }

  @Override
  public KafkaBroker resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(InJvmKafkaBroker.class, type -> InJvmKafkaBroker.start(), InJvmKafkaBroker.class);
  }
}
