package io.duckbridge.core.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Keeps core a plain library: no Spring, and feature packages without dependency cycles. */
class ArchitectureTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.duckbridge.core");

    @Test
    void coreDoesNotDependOnSpring() {
        noClasses()
                .that()
                .resideInAPackage("io.duckbridge.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "jakarta.servlet..")
                .because("duckbridge-core is usable without Spring; wiring lives in the starter")
                .check(CORE);
    }

    @Test
    void featurePackagesHaveNoCycles() {
        slices().matching("io.duckbridge.core.(**)").should().beFreeOfCycles().check(CORE);
    }
}
