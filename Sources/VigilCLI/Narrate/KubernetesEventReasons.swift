/// The reasons Kubernetes's own components write on events (kubelet, scheduler, controller manager,
/// node lifecycle, volume plugins): a closed vocabulary, safe to tell a model. An event's reason is
/// otherwise free text — whoever may create Events may write `IgnorePreviousInstructions` there or a
/// name in CamelCase the masker cannot see — so any other reason is withheld from the narrator.
enum KubernetesEventReasons {
    static let wellKnown: Set<String> = [
        // kubelet (pkg/kubelet/events)
        "Created", "Started", "Failed", "Killing", "Preempting", "BackOff", "ExceededGracePeriod",
        "FailedPostStartHook", "FailedPreStopHook", "Pulling", "Pulled", "ErrImageNeverPull", "InspectFailed",
        "NodeReady", "NodeNotReady", "NodeSchedulable", "NodeNotSchedulable", "Starting", "KubeletSetupFailed",
        "FailedAttachVolume", "FailedMount", "VolumeResizeFailed", "VolumeResizeSuccessful",
        "FileSystemResizeFailed", "FileSystemResizeSuccessful", "FailedMapVolume", "SuccessfulAttachVolume",
        "SuccessfulMountVolume", "Rebooted", "ContainerGCFailed", "ImageGCFailed", "SandboxChanged",
        "FailedCreatePodSandBox", "FailedPodSandBoxStatus", "Unhealthy", "ProbeWarning", "FailedSync",
        "FailedValidation", "HostPortConflict", "NodeAllocatableEnforced", "SystemOOM", "Evicted", "Preempted",
        "OOMKilling", "NodeHasSufficientMemory", "NodeHasInsufficientMemory", "NodeHasDiskPressure",
        "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeHasInsufficientPID", "EvictionThresholdMet",
        // scheduler
        "Scheduled", "FailedScheduling",
        // controllers
        "SuccessfulCreate", "FailedCreate", "SuccessfulDelete", "FailedDelete", "ScalingReplicaSet",
        "DeploymentRollback", "ProgressDeadlineExceeded", "SuccessfulRescale", "FailedGetResourceMetric",
        "FailedComputeMetricsReplicas", "FailedGetScale", "FailedRescale", "ProvisioningSucceeded",
        "ProvisioningFailed", "ExternalProvisioning", "WaitForFirstConsumer", "Completed", "BackoffLimitExceeded",
        "DeadlineExceeded", "SawCompletedJob", "TaintManagerEviction", "RegisteredNode", "RemovingNode",
        "DeletingNode", "Resizing", "ExternalExpanding", "FileSystemResizeRequired",
    ]
}
