package dev.kiln;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.Slice;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may depend on whom (issue 11): the rules a review used to check, enforced on the compiled
 * classes of both modules, so the next package cycle fails the build instead of surviving review.
 *
 * <pre>
 * cli  ->  source (+ source.oci, source.registry)  ->  image (the contracts)
 *      ->  flatten -> guest -> ext4 (the writer) -> output      entry, tar, io: shared plumbing
 *      ->  compose (several images as one stream: uses flatten and guest's layout)
 * </pre>
 */
class ArchitectureTest {
    /** The pipeline's stages, by the top-level package under dev.kiln that holds each. */
    private static final Map<String, String> STAGES = Map.of(
            "source", "dev.kiln.source..",
            "flatten", "dev.kiln.flatten..",
            "guest", "dev.kiln.guest..",
            "ext4", "dev.kiln.ext4..",
            "output", "dev.kiln.output..");

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.kiln");
        // Guard against a rule passing because nothing was imported (a moved package, a classpath change).
        for (String pkg : new String[] {"dev.kiln.cli", "dev.kiln.image", "dev.kiln.source", "dev.kiln.source.oci",
                "dev.kiln.source.registry", "dev.kiln.flatten", "dev.kiln.guest", "dev.kiln.output", "dev.kiln.ext4",
                "dev.kiln.compose"}) {
            assertThat(classes.containPackage(pkg)).as(pkg + " imported").isTrue();
        }
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.kiln.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theContractsDependOnNoSource() {
        noClasses().that().resideInAPackage("dev.kiln.image..")
                .should().dependOnClassesThat().resideInAPackage("dev.kiln.source..")
                .because("flatten and guest read images through dev.kiln.image without seeing where they came from")
                .check(classes);
    }

    @Test
    void sourcesReachNoLaterStage() {
        noClasses().that().resideInAnyPackage("dev.kiln.source..", "dev.kiln.image..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kiln.flatten..", "dev.kiln.guest..",
                        "dev.kiln.output..", "dev.kiln.run..", "dev.kiln.cli..")
                .because("data flows one way: a source hands out images and knows nothing of what is done with them")
                .check(classes);
    }

    @Test
    void composingOpensNoSourceAndWritesNoOutput() {
        noClasses().that().resideInAPackage("dev.kiln.compose..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kiln.source..", "dev.kiln.output..",
                        "dev.kiln.cli..", "dev.kiln.run..")
                .because("a composed machine is several opened images made into one entry stream, between flatten "
                        + "and guest; the CLI opens the images")
                .check(classes);
        noClasses().that().resideInAnyPackage("dev.kiln.flatten..", "dev.kiln.guest..")
                .should().dependOnClassesThat().resideInAPackage("dev.kiln.compose..")
                .because("compose uses flatten and guest, not the other way round")
                .check(classes);
    }

    @Test
    void theErrorsEveryStageThrowsDependOnNoStage() {
        // KilnException and its typed kinds (DigestMismatch, NotFound, ...) live in dev.kiln itself,
        // which every package may use: they must not lead back into any package.
        noClasses().that().resideInAPackage("dev.kiln")
                .should().dependOnClassesThat(resideInAPackage("dev.kiln..").and(not(resideInAPackage("dev.kiln"))))
                .because("the typed errors are values built from their fields, usable by every stage")
                .check(classes);
    }

    @Test
    void theExt4ModuleDependsOnNothingOfKilnOutsideItself() {
        noClasses().that().resideInAPackage("dev.kiln.ext4..")
                .should().dependOnClassesThat(resideInAPackage("dev.kiln..").and(not(resideInAPackage("dev.kiln.ext4.."))))
                .because("the ext4 writer and reader know nothing of OCI or the pipeline")
                .check(classes);
    }

    @Test
    void onlyTheCliDependsOnEveryStage() {
        slices().matching("dev.kiln.(*)..").that(not(packageIs("cli")))
                .should(notDependOnEveryStage()).check(classes);
    }

    @Test
    void theStageRuleSeesTheCliDependOnEveryStage() {
        // The rule above must be able to fail: the one package allowed to do it does it.
        assertThat(slices().matching("dev.kiln.(*)..").that(packageIs("cli")).should(notDependOnEveryStage())
                .evaluate(classes).hasViolation()).isTrue();
    }

    /** The slice of dev.kiln.NAME.. */
    private static DescribedPredicate<Slice> packageIs(String name) {
        return DescribedPredicate.describe("dev.kiln." + name, slice -> slice.getNamePart(1).equals(name));
    }

    private static ArchCondition<Slice> notDependOnEveryStage() {
        return new ArchCondition<>("not depend on every stage " + new TreeSet<>(STAGES.keySet())) {
            @Override
            public void check(Slice slice, ConditionEvents events) {
                Set<String> reached = new TreeSet<>();
                for (Dependency d : slice.getDependenciesFromSelf()) {
                    STAGES.forEach((stage, pattern) -> {
                        if (resideInAPackage(pattern).test(d.getTargetClass())) {
                            reached.add(stage);
                        }
                    });
                }
                boolean all = reached.containsAll(STAGES.keySet());
                events.add(new SimpleConditionEvent(slice, !all,
                        slice.getDescription() + " depends on " + reached + (all ? ": every stage; only cli may" : "")));
            }
        };
    }
}
