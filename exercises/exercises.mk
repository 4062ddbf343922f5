# exercises/exercises.mk — graded exercises.
