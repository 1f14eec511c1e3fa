package dev.kiln;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
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
 * cli  ->  build (the pipeline; Kiln, BuildOptions, BuildResult: the library API)
 * build ->  source (+ source.oci, source.registry)  ->  image (the contracts)
 *       ->  flatten -> guest -> ext4 (the writer) -> output      entry, tar, io: shared plumbing
 *       ->  compose (several images as one stream: uses flatten and guest's layout)
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
        for (String pkg : new String[] {"dev.kiln.cli", "dev.kiln.build", "dev.kiln.image", "dev.kiln.source", "dev.kiln.source.oci",
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
                        "dev.kiln.output..", "dev.kiln.run..", "dev.kiln.build..", "dev.kiln.cli..")
                .because("data flows one way: a source hands out images and knows nothing of what is done with them")
                .check(classes);
    }

    @Test
    void composingOpensNoSourceAndWritesNoOutput() {
        noClasses().that().resideInAPackage("dev.kiln.compose..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kiln.source..", "dev.kiln.output..",
                        "dev.kiln.build..", "dev.kiln.cli..", "dev.kiln.run..")
                .because("a composed machine is several opened images made into one entry stream, between flatten "
                        + "and guest; the pipeline (build) opens the images")
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
    void onlyThePipelineDependsOnEveryStage() {
        slices().matching("dev.kiln.(*)..").that(not(packageIs("build")))
                .should(notDependOnEveryStage()).check(classes);
    }

    @Test
    void theStageRuleSeesThePipelineDependOnEveryStage() {
        // The rule above must be able to fail: the one package allowed to do it does it.
        assertThat(slices().matching("dev.kiln.(*)..").that(packageIs("build")).should(notDependOnEveryStage())
                .evaluate(classes).hasViolation()).isTrue();
    }

    @Test
    void theLibraryExampleUsesOnlyTheLibraryApi() {
        JavaClasses example = new ClassFileImporter().importPackages("example");
        assertThat(example).as("the example's classes imported").isNotEmpty();
        ArchRule rule = noClasses().that().resideInAPackage("example..")
                .should().dependOnClassesThat(resideInAPackage("dev.kiln..").and(not(LIBRARY_API)))
                .because("the example shows what a Java caller needs: Kiln, BuildOptions, BuildResult, "
                        + "KilnException, nothing of the pipeline's insides");
        rule.check(example);
        // and the rule can fail: the CLI's own build command is not such a user
        assertThat(noClasses().that().haveSimpleName("BuildCommand")
                .should().dependOnClassesThat(resideInAPackage("dev.kiln..").and(not(LIBRARY_API)))
                .evaluate(classes).hasViolation()).isTrue();
    }

    /** The library's public API: what the example may use. */
    private static final DescribedPredicate<JavaClass> LIBRARY_API = DescribedPredicate.describe("the library API",
            c -> c.getName().equals("dev.kiln.KilnException")
                    || Set.of("Kiln", "BuildOptions", "BuildResult").contains(c.getName().startsWith("dev.kiln.build.")
                    ? c.getName().substring("dev.kiln.build.".length()).split("\\$")[0] : ""));

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
