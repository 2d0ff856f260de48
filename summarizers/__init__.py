"""newsbrief's NLP: articles in, analyses, briefings and answers out. Imports no chat library."""
