{{/* The prefix of every object's name: the release name, unless it already says stackwarden. */}}
{{- define "stackwarden.fullname" -}}
{{- if contains "stackwarden" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-stackwarden" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "stackwarden.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* Labels every object carries; the selector labels are the first two plus the component. */}}
{{- define "stackwarden.labels" -}}
app.kubernetes.io/name: stackwarden
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "stackwarden.selector" -}}
app.kubernetes.io/name: stackwarden
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The security settings of every pod and container: non-root, read-only root filesystem, no capabilities. */}}
{{- define "stackwarden.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "stackwarden.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Refuses a mode the chart does not know, naming the value. */}}
{{- define "stackwarden.mode" -}}
{{- if not (has .Values.mode (list "full" "agent")) -}}
{{- fail (printf "mode must be full (operator and control plane) or agent (operator and an agent), got %q" .Values.mode) -}}
{{- end -}}
{{- end -}}
