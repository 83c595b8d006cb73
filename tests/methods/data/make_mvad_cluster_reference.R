# Reference for tests/methods/test_seq_mvad.py: cluster (R package) run on the OM/TRATE matrix of
# mvad (columns 17:86, indel 1) computed by arefie_studies and written to /tmp/om_mvad.csv.
# TraMineR is not installed here; the OM matrix itself is checked against the published 4-cluster
# sizes and against exact definitions in the tests.
suppressMessages({library(cluster); library(jsonlite)})
d <- as.matrix(read.csv("/tmp/om_mvad.csv", header = FALSE))
a <- agnes(as.dist(d), diss = TRUE, method = "ward")
cl <- cutree(as.hclust(a), k = 4)
p <- pam(as.dist(d), k = 4, diss = TRUE)
sil <- silhouette(cl, as.dist(d))
out <- list(agnes_cl4 = unname(cl), agnes_sizes = as.vector(table(cl)),
            agnes_top_heights = tail(sort(a$height), 10), agnes_ac = a$ac,
            pam_medoids = unname(p$id.med), pam_objective = unname(p$objective),
            pam_clustering = unname(p$clustering),
            asw_agnes4 = summary(sil)$avg.width,
            hclust_d2_sizes = as.vector(table(cutree(hclust(as.dist(d), "ward.D2"), 4))),
            versions = list(R = R.version.string, cluster = as.character(packageVersion("cluster"))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/methods/data/mvad_cluster_reference.json")
