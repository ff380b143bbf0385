package dev.dualstream.cache;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The cache is a library: the JDK and the DJL API only; no Flink, no Kafka, no other dualstream module. */
class ModuleBoundaryTest {

  @Test
  void productionClassesDependOnTheJdkAndDjlOnly() {
    JavaClasses production = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.dualstream.cache");
    classes().that().resideInAPackage("dev.dualstream.cache..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "ai.djl..", "dev.dualstream.cache..")
        .check(production);
  }
}
