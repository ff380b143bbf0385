package dev.dualstream.deploy.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module table of DESIGN.md, enforced. Maven's dependency graph already stops a module from
 * seeing one it does not depend on; these rules add what Maven cannot express: which packages of a
 * dependency may be used, and which third-party frameworks a module must stay free of.
 */
class ModuleDependencyTest {
  private static final String ROOT = "dev.dualstream.";
  private static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.dualstream");
    if (classes.size() < 20) {
      throw new IllegalStateException("imported only " + classes.size() + " classes; is the reactor built?");
    }
  }

  private static void check(ArchRule rule) {
    rule.check(classes);
  }

  @Test
  void schemasDependOnNothingOfOurs() {
    check(noClasses().that().resideInAPackage(ROOT + "schemas..")
        .should().dependOnClassesThat().resideInAnyPackage(
            ROOT + "cache..", ROOT + "trainer..", ROOT + "ingest..", ROOT + "evaluator..", ROOT + "deploy.."));
  }

  @Test
  void embeddingCacheKnowsNoStreamingFrameworkAndNoOtherModule() {
    check(noClasses().that().resideInAPackage(ROOT + "cache..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.apache.flink..", "org.apache.kafka..",
            ROOT + "schemas..", ROOT + "trainer..", ROOT + "ingest..", ROOT + "evaluator..", ROOT + "deploy.."));
  }

  @Test
  void trainerDependsOnlyOnSchemasAndTheCache() {
    check(noClasses().that().resideInAPackage(ROOT + "trainer..")
        .should().dependOnClassesThat().resideInAnyPackage(ROOT + "ingest..", ROOT + "evaluator..", ROOT + "deploy.."));
  }

  @Test
  void ingestDependsOnlyOnSchemasAndKnowsNoFlinkOrDjl() {
    check(noClasses().that().resideInAPackage(ROOT + "ingest..")
        .should().dependOnClassesThat().resideInAnyPackage(
            ROOT + "cache..", ROOT + "trainer..", ROOT + "evaluator..", ROOT + "deploy..",
            "org.apache.flink..", "ai.djl.."));
  }

  @Test
  void evaluatorReadsModelsThroughTheTrainersPublicModelApiOnly() {
    check(noClasses().that().resideInAPackage(ROOT + "evaluator..")
        .and().resideOutsideOfPackage(ROOT + "evaluator.experiment..")
        .should().dependOnClassesThat(
            com.tngtech.archunit.base.DescribedPredicate.describe("trainer classes outside trainer.model",
                c -> c.getPackageName().startsWith(ROOT + "trainer")
                    && !c.getPackageName().equals(ROOT + "trainer.model")))
        .orShould().dependOnClassesThat().resideInAnyPackage(
            ROOT + "cache..", ROOT + "ingest..", ROOT + "deploy..", "org.apache.flink.."));
  }

  @Test
  void experimentDriversTrainThroughTheTrainingApiNeverTheStreamingJob() {
    check(noClasses().that().resideInAPackage(ROOT + "evaluator.experiment..")
        .should().dependOnClassesThat().resideInAnyPackage(
            ROOT + "trainer.job..", ROOT + "cache..", ROOT + "ingest..", ROOT + "deploy..", "org.apache.flink.."));
  }
}
